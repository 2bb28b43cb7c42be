// editor.js: the lab's code editor, CodeMirror 6 with Python, bundled by esbuild at build time
// into dist/vendor/codemirror/editor.js (devtools/dist.py). Not loaded from web/ directly.
//
//   const editor = createEditor(host, { doc, label, onChange: (text) => ... });
//   editor.text; editor.text = "..."; editor.focus(); editor.closePopups();
//
// Long lines wrap (no sideways scrolling); the editor is as tall as its code, between the
// host's --editor-min-height and --editor-max-height (then it scrolls).
//
// The editor lives in a shadow root: CodeMirror then puts its styles into constructed
// stylesheets (adoptedStyleSheets) instead of <style> elements, which the page's strict
// Content-Security-Policy (style-src 'self') would block.
//
// Colours come from the page's custom properties (they inherit into the shadow root; the
// values, light and dark, are in web/theme.css), so the editor follows the colour scheme.
// CodeMirror's own widgets (tooltips, search panel) switch with the `dark` flag of the theme,
// reconfigured when the system's scheme changes.

import { closeCompletion } from "@codemirror/autocomplete";
import { indentWithTab } from "@codemirror/commands";
import { python } from "@codemirror/lang-python";
import { HighlightStyle, indentUnit, syntaxHighlighting } from "@codemirror/language";
import { Compartment } from "@codemirror/state";
import { keymap } from "@codemirror/view";
import { tags as t } from "@lezer/highlight";
import { basicSetup, EditorView } from "codemirror";

const SPEC = {
  "&": {
    maxHeight: "var(--editor-max-height, none)", fontSize: "14px",
    backgroundColor: "var(--card, #fff)", color: "var(--ink, #1b2130)",
  },
  ".cm-content, .cm-gutter": { minHeight: "var(--editor-min-height, 0)" },
  ".cm-scroller": { overflow: "auto", fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace", lineHeight: "1.45" },
  "&.cm-focused": { outline: "3px solid var(--focus, #b45309)", outlineOffset: "-3px" },
  ".cm-content": { caretColor: "var(--ink, #1b2130)" },
  ".cm-cursor, .cm-dropCursor": { borderLeftColor: "var(--ink, #1b2130)" },
  ".cm-gutters": {
    backgroundColor: "var(--chip, #eef1f6)", color: "var(--muted, #545d70)",
    borderRight: "1px solid var(--line, #dfe3eb)",
  },
  ".cm-activeLine, .cm-activeLineGutter": { backgroundColor: "var(--code-active)" },
  [[
    "&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground",
    ".cm-selectionBackground", ".cm-content ::selection",
  ].join(", ")]: { backgroundColor: "var(--code-selection)" },
  ".cm-tooltip, .cm-panels": {
    backgroundColor: "var(--card, #fff)", color: "var(--ink, #1b2130)", borderColor: "var(--line, #dfe3eb)",
  },
};
const THEMES = { light: EditorView.theme(SPEC), dark: EditorView.theme(SPEC, { dark: true }) };

const code = (name) => `var(--code-${name})`;
const highlight = HighlightStyle.define([
  { tag: t.keyword, color: code("keyword") },
  { tag: [t.atom, t.bool, t.null], color: code("atom") },
  { tag: t.literal, color: code("number") },
  { tag: t.string, color: code("string") },
  { tag: [t.regexp, t.escape, t.special(t.string)], color: code("escape") },
  { tag: [t.definition(t.variableName), t.definition(t.propertyName)], color: code("def") },
  { tag: [t.typeName, t.namespace, t.className], color: code("type") },
  { tag: [t.special(t.variableName), t.macroName, t.self], color: code("special") },
  { tag: t.comment, color: code("comment") },
  { tag: t.meta, color: code("meta") },
  { tag: t.invalid, color: "var(--bad)" },
  { tag: t.emphasis, fontStyle: "italic" },
  { tag: t.strong, fontWeight: "bold" },
  { tag: t.link, textDecoration: "underline" },
]);

const darkQuery = typeof matchMedia === "function" ? matchMedia("(prefers-color-scheme: dark)") : null;
const scheme = () => (darkQuery?.matches ? THEMES.dark : THEMES.light);

export function createEditor(host, { doc = "", label = "Code editor", onChange = () => {} } = {}) {
  const root = host.shadowRoot || host.attachShadow({ mode: "open" });
  const colours = new Compartment();
  const view = new EditorView({
    doc,
    root,
    parent: root,
    extensions: [
      basicSetup,
      python(),
      indentUnit.of("    "),
      keymap.of([indentWithTab]),     // Tab indents; Esc then Tab leaves the editor
      EditorView.lineWrapping,
      colours.of(scheme()),
      syntaxHighlighting(highlight),
      // tabindex: contenteditable is focusable anyway, but axe only counts it as the scroller's
      // focusable content (scrollable-region-focusable) with the attribute, once code overflows.
      EditorView.contentAttributes.of({ "aria-label": label, tabindex: "0" }),
      EditorView.updateListener.of((update) => {
        if (update.docChanged) onChange(update.state.doc.toString());
      }),
    ],
  });
  darkQuery?.addEventListener("change", () => view.dispatch({ effects: colours.reconfigure(scheme()) }));
  return {
    get text() {
      return view.state.doc.toString();
    },
    set text(value) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: value } });
    },
    focus() {
      view.focus();
    },
    // Close the autocomplete's list (and any other tooltip it opened).
    closePopups() {
      closeCompletion(view);
    },
    view,
  };
}
