import { highlightPythonLines } from './python-highlight.js';

const INDENT = '    ';

/**
 * A small code editor: a transparent <textarea> (which does the typing, selection, undo and
 * accessibility) laid exactly over a highlighted <pre> of the same text, with line numbers.
 * Neither layer scrolls by itself: both grow with the text, and the frame around them scrolls,
 * so they can never drift apart.
 *
 * Keys: Tab / Shift+Tab indent and dedent (the selected lines, or at the caret), Enter keeps the
 * indentation (one level more after a colon), Backspace in leading spaces removes one level,
 * Ctrl/Cmd+Enter submits. Escape, then Tab, leaves the editor.
 */
export class CodeEditor {
  constructor(root, { value = '', label = 'Code', onChange = () => {}, onSubmit = () => {} }) {
    this.onChange = onChange;
    this.onSubmit = onSubmit;
    this.errorLine = undefined;
    this.activeLine = 1;
    this.tabLeavesEditor = false;
    this.renderScheduled = false;

    root.classList.add('editor');
    root.innerHTML = `
      <div class="editor-scroll">
        <div class="editor-gutter" aria-hidden="true"></div>
        <div class="editor-code">
          <pre class="editor-highlight" aria-hidden="true"></pre>
          <textarea class="editor-input" spellcheck="false" autocomplete="off" autocorrect="off"
            autocapitalize="off" wrap="off"></textarea>
        </div>
      </div>`;
    this.scroller = root.querySelector('.editor-scroll');
    this.gutter = root.querySelector('.editor-gutter');
    this.highlight = root.querySelector('.editor-highlight');
    this.input = root.querySelector('.editor-input');
    this.input.setAttribute('aria-label', label);
    this.input.value = value;

    this.input.addEventListener('input', () => {
      this.errorLine = undefined;
      this.scheduleRender();
      this.onChange(this.input.value);
    });
    this.input.addEventListener('keydown', (event) => this.onKeyDown(event));
    for (const name of ['keyup', 'click', 'select', 'focus']) {
      this.input.addEventListener(name, () => this.trackCaret());
    }
    document.addEventListener('selectionchange', () => {
      if (document.activeElement === this.input) this.trackCaret();
    });
    this.render();
  }

  get value() {
    return this.input.value;
  }

  /** Replaces the whole text (the change can be undone with Ctrl+Z where the browser allows). */
  setValue(value) {
    this.input.focus();
    this.input.select();
    if (!insertText(this.input, value)) {
      this.input.value = value;
      this.input.dispatchEvent(new Event('input'));
    }
    this.input.setSelectionRange(0, 0);
    this.scroller.scrollTo({ top: 0, left: 0 });
  }

  /** Marks a 1-based line as the one an error points at; `undefined` clears the mark. */
  markErrorLine(line) {
    this.errorLine = Number.isInteger(line) && line >= 1 ? line : undefined;
    this.render();
  }

  /**
   * Scrolls a line into the middle of the view and, unless `focus` is false, puts the caret at the
   * start of its text.
   */
  revealLine(line, { focus = true } = {}) {
    const lines = this.input.value.split('\n');
    const index = Math.min(Math.max(line, 1), lines.length) - 1;
    if (focus) {
      let offset = 0;
      for (let i = 0; i < index; i += 1) offset += lines[i].length + 1;
      offset += lines[index].length - lines[index].trimStart().length;
      this.input.focus({ preventScroll: true });
      this.input.setSelectionRange(offset, offset);
      this.trackCaret();
    }
    const target = this.highlight.children[index];
    if (target) {
      const top = target.offsetTop - this.scroller.clientHeight / 2 + target.offsetHeight / 2;
      this.scroller.scrollTo({ top: Math.max(top, 0), behavior: 'smooth' });
    }
  }

  /** 1-based line and column of the caret. */
  caret() {
    const before = this.input.value.slice(0, this.input.selectionStart);
    const lineStart = before.lastIndexOf('\n') + 1;
    return { line: before.split('\n').length, column: before.length - lineStart + 1 };
  }

  scheduleRender() {
    if (this.renderScheduled) return;
    this.renderScheduled = true;
    requestAnimationFrame(() => {
      this.renderScheduled = false;
      this.render();
    });
  }

  render() {
    const lines = highlightPythonLines(this.input.value);
    const classes = (number) => {
      let name = 'line';
      if (number === this.errorLine) name += ' is-error';
      if (number === this.activeLine) name += ' is-active';
      return name;
    };
    this.highlight.innerHTML = lines
      .map((html, index) => `<span class="${classes(index + 1)}">${html}</span>`)
      .join('');
    this.gutter.innerHTML = lines
      .map((_, index) => `<span class="${classes(index + 1)}">${index + 1}</span>`)
      .join('');
  }

  trackCaret() {
    const { line } = this.caret();
    if (line !== this.activeLine) {
      const previous = this.activeLine;
      this.activeLine = line;
      for (const layer of [this.highlight, this.gutter]) {
        layer.children[previous - 1]?.classList.remove('is-active');
        layer.children[line - 1]?.classList.add('is-active');
      }
    }
    this.input.dispatchEvent(new CustomEvent('caretmove', { detail: this.caret() }));
  }

  onKeyDown(event) {
    if (event.key === 'Escape') {
      this.tabLeavesEditor = true;
      return;
    }
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      this.onSubmit();
      return;
    }
    if (event.key === 'Tab' && !this.tabLeavesEditor && !event.altKey && !event.ctrlKey) {
      event.preventDefault();
      if (event.shiftKey) this.dedent();
      else this.indent();
      return;
    }
    this.tabLeavesEditor = false;
    if (event.key === 'Enter' && !event.shiftKey && !event.altKey) {
      event.preventDefault();
      this.newline();
      return;
    }
    if (event.key === 'Backspace' && this.backspaceIndent()) event.preventDefault();
  }

  /** The selected lines: offsets of the first line's start and the last line's end. */
  selectedLines() {
    const { value, selectionStart, selectionEnd } = this.input;
    const start = value.lastIndexOf('\n', selectionStart - 1) + 1;
    // A selection that ends at the very start of a line does not include that line.
    const endAt = selectionEnd > selectionStart && value[selectionEnd - 1] === '\n' ? -1 : 0;
    let end = value.indexOf('\n', selectionEnd + endAt);
    if (end === -1) end = value.length;
    return { start, end, text: value.slice(start, end) };
  }

  indent() {
    const { value, selectionStart, selectionEnd } = this.input;
    if (!value.slice(selectionStart, selectionEnd).includes('\n')) {
      const column = selectionStart - (value.lastIndexOf('\n', selectionStart - 1) + 1);
      replaceRange(this.input, selectionStart, selectionEnd, ' '.repeat(4 - (column % 4)));
      return;
    }
    const { start, end, text } = this.selectedLines();
    const indented = text.replace(/^(?=.)/gm, INDENT);
    replaceRange(this.input, start, end, indented);
    this.input.setSelectionRange(start, start + indented.length);
  }

  dedent() {
    const { start, end, text } = this.selectedLines();
    const caret = this.input.selectionStart;
    const dedented = text.replace(/^( {1,4}|\t)/gm, '');
    if (dedented === text) return;
    replaceRange(this.input, start, end, dedented);
    const removedOnFirst = text.split('\n')[0].length - dedented.split('\n')[0].length;
    if (text.includes('\n')) this.input.setSelectionRange(start, start + dedented.length);
    else {
      const position = Math.max(start, caret - removedOnFirst);
      this.input.setSelectionRange(position, position);
    }
  }

  newline() {
    const { value, selectionStart, selectionEnd } = this.input;
    const lineStart = value.lastIndexOf('\n', selectionStart - 1) + 1;
    const before = value.slice(lineStart, selectionStart);
    let indentation = /^[ \t]*/.exec(before)[0];
    if (/:\s*(#.*)?$/.test(before)) indentation += INDENT;
    replaceRange(this.input, selectionStart, selectionEnd, `\n${indentation}`);
  }

  backspaceIndent() {
    const { value, selectionStart, selectionEnd } = this.input;
    if (selectionStart !== selectionEnd) return false;
    const lineStart = value.lastIndexOf('\n', selectionStart - 1) + 1;
    const before = value.slice(lineStart, selectionStart);
    if (before === '' || !/^ +$/.test(before)) return false;
    const remove = before.length % 4 || 4;
    replaceRange(this.input, selectionStart - remove, selectionStart, '');
    return true;
  }
}

/** Types `text` over the selection the way the user would, keeping the browser's undo history. */
function insertText(textarea, text) {
  try {
    return document.execCommand('insertText', false, text);
  } catch {
    return false;
  }
}

function replaceRange(textarea, start, end, text) {
  textarea.setSelectionRange(start, end);
  if (text === '' && start !== end) {
    if (document.execCommand('delete', false)) return;
  } else if (insertText(textarea, text)) {
    return;
  }
  textarea.setRangeText(text, start, end, 'end');
  textarea.dispatchEvent(new Event('input'));
}
