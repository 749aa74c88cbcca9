import type { ZipSelection } from '../../shared/api/types.ts';
import type { CommandName } from '../../shared/protocol/commands.ts';
import { compareKeys } from '../../shared/protocol/names.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { refusal } from '../errors.ts';
import { checkedFolder, checkedKey } from '../http/key.ts';

/** One thing to put in the archive: a key, or every key under a prefix ('' for the whole bucket). */
export type SelectedItem = { readonly kind: 'key'; readonly key: string } | { readonly kind: 'prefix'; readonly prefix: string };

/**
 * The selection checked and made plain, in key order: every key a key and
 * every prefix a folder ('' or ending in `/`), all under `base`; a prefix
 * inside another selected prefix, a key under a selected prefix and a key
 * given twice are dropped, so no key comes twice. Keys under one prefix sort
 * together right after it, so walking the items in order walks the keys in
 * order. A broken rule is refused (400) before anything is sent.
 */
export function selectedItems(selection: ZipSelection, base: string, command: CommandName): SelectedItem[] {
  const under = (what: string, key: string) => {
    if (!key.startsWith(base)) throw refusal(command, Reason.badArgs, `${what} ${JSON.stringify(key)} is not under the base ${JSON.stringify(base)}`);
  };
  const prefixes = [...new Set(selection.prefixes ?? [])].map((p) => checkedFolder(p, 'a selected prefix', command)).sort(compareKeys);
  const keptPrefixes: string[] = [];
  for (const prefix of prefixes) {
    under('the prefix', prefix);
    if (!keptPrefixes.some((kept) => prefix.startsWith(kept))) keptPrefixes.push(prefix);
  }
  const keys = [...new Set(selection.keys ?? [])].map((k) => checkedKey(k, command));
  const items: SelectedItem[] = keptPrefixes.map((prefix) => ({ kind: 'prefix', prefix }));
  for (const key of keys) {
    under('the key', key);
    if (!keptPrefixes.some((prefix) => key.startsWith(prefix))) items.push({ kind: 'key', key });
  }
  if (items.length === 0) throw refusal(command, Reason.badArgs, 'the selection is empty: give keys or prefixes');
  return items.sort((a, b) => compareKeys(a.kind === 'key' ? a.key : a.prefix, b.kind === 'key' ? b.key : b.prefix));
}

/**
 * A key's name in the archive: relative to the base. A backslash becomes
 * `_`: a zip name separates folders with `/` only (APPNOTE 4.4.17), and
 * extractors on Windows would take `\` as a separator, so a key such as
 * `..\x` could land outside the folder extracted into.
 */
export function entryName(key: string, base: string): string {
  return key.slice(base.length).replaceAll('\\', '_');
}
