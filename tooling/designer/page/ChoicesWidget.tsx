import { ariaDescribedByIds, type WidgetProps } from '@rjsf/utils';
import { useCombobox } from 'downshift';
import { useEffect, useRef, useState, type ChangeEvent, type KeyboardEvent } from 'react';
import type { OptionChoice } from './api';
import { optionWithValue, useOptions, type OptionSource } from './load-options';

// An input whose choices the pack loads (`x-load-options`), drawn as an accessible combobox
// (downshift: role combobox, a listbox of options, arrow keys, Enter, Escape). What is typed
// always stays possible: a path Tripletex added after the spec the pack carries, a company id
// the list does not hold. Three ways to fill it:
// - text: the choice is the whole value (Path);
// - list: the value is a list joined by a separator, and a choice completes the entry being
//   typed (Fields: "id,name,postalAddress(*)");
// - integer: the value is a number; typing a name searches the choices' labels (Company Id).

export type ChoicesMode = 'text' | 'list' | 'integer';

const SHOWN = 60;

/** The entries of a list value, split at separators outside parentheses ("a,b(c,d)" → a, b(c,d)). */
export function listEntries(value: string, separator: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of value) {
    if (char === '(') depth++;
    if (char === ')') depth = Math.max(0, depth - 1);
    if (char === separator && depth === 0) {
      out.push(current);
      current = '';
    } else current += char;
  }
  out.push(current);
  return out;
}

function matching(options: OptionChoice[], typed: string, mode: ChoicesMode, exclude: Set<string>): OptionChoice[] {
  const text = typed.trim().toLowerCase();
  const candidates = options.filter((o) => !exclude.has(String(o.value)));
  if (text === '') return candidates.slice(0, SHOWN);
  const value = (o: OptionChoice) => String(o.value).toLowerCase();
  const words = (o: OptionChoice) => `${o.label} ${o.description ?? ''}`.toLowerCase();
  // What starts with the text first, then what holds it, then what says it in the description.
  const first = candidates.filter((o) => value(o).startsWith(text) || (mode === 'integer' && o.label.toLowerCase().startsWith(text)));
  const second = candidates.filter((o) => !first.includes(o) && (value(o).includes(text) || o.label.toLowerCase().includes(text)));
  const third = mode === 'list' ? [] : candidates.filter((o) => !first.includes(o) && !second.includes(o) && words(o).includes(text));
  return [...first, ...second, ...third].slice(0, SHOWN);
}

function asText(value: unknown): string {
  return value === undefined || value === null ? '' : String(value);
}

export function ChoicesWidget(props: WidgetProps) {
  const source = props.options.source as OptionSource | undefined;
  const mode = (props.options.mode as ChoicesMode | undefined) ?? 'text';
  const separator = source?.spec.separator ?? ',';
  const { state, open } = useOptions(source);
  const options = state.status === 'done' ? state.result.options : [];
  // What the field shows is kept here, so fast typing never waits for the form's round trip; a
  // value changed from outside (another step, a reload) replaces it. For a number, text that is
  // not one (a name being searched) stays here and never reaches the value.
  const [inputValue, setInputValue] = useState(asText(props.value));
  // The same text as of the last event, which the state only holds after the next render: a
  // choice completes what was typed up to the click, however soon after the last key it comes.
  const shown = useRef(inputValue);
  const show = (text: string) => {
    shown.current = text;
    setInputValue(text);
  };
  // While the field has the focus, what it shows is what was typed: the form answers each
  // keystroke a little later, and an answer to an earlier one must not undo the later ones.
  const focused = useRef(false);
  useEffect(() => {
    if (!focused.current) show(asText(props.value));
  }, [props.value]);
  // Opening the field shows every choice; typing narrows them to what was typed since.
  const [narrowing, setNarrowing] = useState(false);
  const entries = mode === 'list' ? listEntries(inputValue, separator) : [inputValue];
  const typed = narrowing ? (entries[entries.length - 1] ?? '') : '';
  const chosen = mode === 'list' ? new Set(entries.slice(0, -1).map((e) => e.trim())) : new Set<string>();
  const items = matching(options, typed, mode, chosen);
  const statusId = `${props.id}__choices`;

  const send = (value: string | number | undefined) => props.onChange(value);
  const commit = (text: string) => {
    show(text);
    if (mode !== 'integer') return send(text === '' ? undefined : text);
    const trimmed = text.trim();
    if (trimmed === '') send(undefined);
    else if (/^\d+$/.test(trimmed)) send(Number(trimmed));
  };

  const chosenText = (current: string, item: OptionChoice): string => {
    if (mode !== 'list') return String(item.value);
    const kept = listEntries(current, separator).slice(0, -1).map((e) => e.trim()).filter(Boolean);
    return [...kept, String(item.value)].join(separator);
  };
  // A choice (click, Enter) is taken in the event that makes it, like a keystroke. Downshift
  // reports its changes from an effect after the render, which may run after the next event:
  // a choice taken there showed late, and could undo a key typed meanwhile or be undone by it.
  const choose = (item: OptionChoice) => {
    commit(chosenText(shown.current, item));
    setNarrowing(false);
  };

  const combobox = useCombobox<OptionChoice>({
    items,
    inputId: props.id,
    inputValue,
    selectedItem: null,
    itemToString: (item) => (item ? String(item.value) : ''),
    itemToKey: (item) => (item ? String(item.value) : ''),
    // Downshift opens, closes and highlights; the text is ours alone (typing, choose above), so
    // no action of its own changes it: not a choice, not a blur, not Escape (which would clear
    // the field once the list is closed, throwing away what was typed).
    stateReducer: (current, { changes }) => ({ ...changes, inputValue: current.inputValue, selectedItem: null }),
  });
  const { isOpen, highlightedIndex, getInputProps, getMenuProps, getItemProps } = combobox;

  const match = mode === 'integer' ? optionWithValue(options, props.value) : undefined;
  const described = [ariaDescribedByIds(props.id), statusId].join(' ');
  const title = typeof props.label === 'string' && props.label ? props.label : props.id;
  let status = '';
  if (state.status === 'loading') status = 'Loading choices…';
  else if (state.status === 'done') status = state.result.message ?? '';
  else if (source && !source.eager) status = 'Choices are loaded when you open the field.';

  return (
    <div className="choices">
      <input
        {...getInputProps({
          name: props.htmlName ?? props.id,
          type: 'text',
          inputMode: mode === 'integer' ? 'numeric' : undefined,
          spellCheck: false,
          autoComplete: 'off',
          required: props.required,
          disabled: props.disabled || props.readonly,
          placeholder: typeof props.placeholder === 'string' ? props.placeholder : undefined,
          'aria-describedby': described,
          'aria-invalid': props.rawErrors && props.rawErrors.length > 0 ? true : undefined,
          // Taken in the keystroke's own event: downshift reports changes a render later, and a
          // controlled field that waits for that loses the keys typed meanwhile.
          onChange: (event: ChangeEvent<HTMLInputElement>) => {
            commit(event.target.value);
            setNarrowing(true);
          },
          onKeyDown: (event: KeyboardEvent<HTMLInputElement>) => {
            // Downshift's own Enter handler then closes the list.
            const item = isOpen && highlightedIndex >= 0 ? items[highlightedIndex] : undefined;
            if (event.key === 'Enter' && item && !event.nativeEvent.isComposing) choose(item);
          },
          onFocus: () => {
            focused.current = true;
            open();
          },
          onBlur: () => {
            focused.current = false;
            setNarrowing(false);
            // A name searched for and not chosen gives way to the value the field holds.
            if (mode === 'integer') show(asText(props.value));
            props.onBlur(props.id, props.value);
          },
        })}
      />
      <ul className={`choices-menu${isOpen && items.length > 0 ? ' open' : ''}`} {...getMenuProps({ 'aria-labelledby': undefined, 'aria-label': `Choices for ${title}` })}>
        {isOpen &&
          items.map((item, index) => (
            <li key={String(item.value)} className={`choice${highlightedIndex === index ? ' highlighted' : ''}`} {...getItemProps({ item, index, onClick: () => choose(item) })}>
              <span className="choice-label">{item.label}</span>
              {item.description && <span className="choice-description"> — {item.description}</span>}
            </li>
          ))}
      </ul>
      <p id={statusId} className="choices-status" aria-live="polite">
        {match ? (
          <>
            <strong>{match.label}</strong>
            {match.description ? ` (${match.description})` : ''}.{' '}
          </>
        ) : null}
        {status}
      </p>
    </div>
  );
}
