// lab-files.js: files in and out of the lab: a text file saved by the browser's download, and
// a file the learner picked read as text within pynn's limit.

export function saveText(text, name, type) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], { type }));
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

// The text of `file`, or null when it is longer than `maxChars` characters.
export async function readText(file, maxChars) {
  if (file.size > 4 * maxChars) return null;   // (UTF-8: at most 4 bytes a character)
  const text = await file.text();
  return text.length > maxChars ? null : text;
}
