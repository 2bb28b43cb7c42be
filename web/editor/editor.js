// editor.js: the lab's code editor, CodeMirror 6 with Python, bundled by esbuild at build time
// into dist/vendor/codemirror/editor.js (devtools/dist.py). Not loaded from web/ directly.
//
//   const editor = createEditor(host, { doc, label, onChange: (text) => ... });
//   editor.text; editor.text = "..."; editor.focus();
//
// The editor lives in a shadow root: CodeMirror then puts its styles into constructed
// stylesheets (adoptedStyleSheets) instead of <style> elements, which the page's strict
// Content-Security-Policy (style-src 'self') would block.

import { indentWithTab } from "@codemirror/commands";
import { python } from "@codemirror/lang-python";
import { indentUnit } from "@codemirror/language";
import { keymap } from "@codemirror/view";
import { basicSetup, EditorView } from "codemirror";

const theme = EditorView.theme({
  "&": { height: "100%", fontSize: "14px", backgroundColor: "#fff" },
  ".cm-scroller": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace", lineHeight: "1.45" },
  "&.cm-focused": { outline: "3px solid #1d4ed8", outlineOffset: "-3px" },
});

export function createEditor(host, { doc = "", label = "Code editor", onChange = () => {} } = {}) {
  const root = host.shadowRoot || host.attachShadow({ mode: "open" });
  const view = new EditorView({
    doc,
    root,
    parent: root,
    extensions: [
      basicSetup,
      python(),
      indentUnit.of("    "),
      keymap.of([indentWithTab]),     // Tab indents; Esc then Tab leaves the editor
      theme,
      EditorView.contentAttributes.of({ "aria-label": label }),
      EditorView.updateListener.of((update) => {
        if (update.docChanged) onChange(update.state.doc.toString());
      }),
    ],
  });
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
    view,
  };
}
