// Small DOM helpers for the API reference page: element creation, and the little Markdown the
// description's texts use (paragraphs, "- " lists, `code`). Text is always inserted as text.

/** Creates an element; attributes starting with "on" add listeners; null children are skipped. */
export function h(tag, attributes = {}, children = []) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  if (children === null || children === undefined || children === false) return;
  if (Array.isArray(children)) {
    for (const child of children) append(element, child);
    return;
  }
  element.append(children instanceof Node ? children : document.createTextNode(String(children)));
}

/** Text with `code` spans, as nodes. */
export function inline(text) {
  return text
    .split(/(`[^`]+`)/)
    .filter((part) => part !== '')
    .map((part) =>
      part.startsWith('`') && part.endsWith('`') && part.length > 2
        ? h('code', {}, part.slice(1, -1))
        : document.createTextNode(part),
    );
}

/** Paragraphs and "- " lists, as nodes. */
export function markdown(text) {
  const nodes = [];
  let list = null;
  let paragraph = [];
  const flush = () => {
    if (paragraph.length > 0) nodes.push(h('p', {}, inline(paragraph.join(' '))));
    paragraph = [];
  };
  for (const line of String(text).split('\n')) {
    const item = /^\s*[-*]\s+(.*)$/.exec(line);
    if (item) {
      flush();
      if (list === null) {
        list = h('ul');
        nodes.push(list);
      }
      list.append(h('li', {}, inline(item[1])));
    } else if (line.trim() === '') {
      flush();
      list = null;
    } else {
      list = null;
      paragraph.push(line.trim());
    }
  }
  flush();
  return nodes;
}
