/**
 * The entries of a tree being copied, on either side: a file, or a folder
 * that holds nothing else to copy (an empty local folder, an explicit folder
 * key ending in `/`). `key` is relative to the tree's root (its local folder,
 * or its prefix in the bucket), with `/` between folders; entries come in the
 * byte order of their keys (compareKeys), the order a bucket lists in.
 */
export interface TreeEntry {
  readonly key: string;
  readonly kind: 'file' | 'folder';
  /** 0 for a folder. */
  readonly size: number;
}

/** A file or empty folder under the local root; `path` is where it is. */
export interface LocalEntry extends TreeEntry {
  readonly path: string;
}

/** A key under the prefix; `sha256` is null while the server is still computing it. */
export interface RemoteEntry extends TreeEntry {
  readonly fullKey: string;
  readonly sha256: string | null;
}

/** A tree's place in a bucket. `prefix` is '' (the whole bucket) or ends in `/`. */
export interface BucketTree {
  readonly bucket: string;
  readonly prefix: string;
}
