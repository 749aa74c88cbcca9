import type { FileInfo } from '../../../shared/protocol/types.ts';
import { ApiError, bucketPath, errorFrom, noteStatus } from './http.ts';

export interface UploadProgress {
  readonly loaded: number;
  readonly total: number;
}

export interface UploadHandle {
  /** Resolves with the stored file, rejects with an ApiError (reason `aborted` after cancel). */
  readonly done: Promise<FileInfo>;
  cancel(): void;
}

/**
 * Sends one file as a multipart POST through XMLHttpRequest, whose upload
 * events are the only way a page can see how many bytes have left it. The
 * browser streams the File from disk; the page never reads it into memory.
 */
export function uploadFile(
  bucket: string,
  file: File,
  options: { overwrite: boolean; onProgress: (progress: UploadProgress) => void },
): UploadHandle {
  const xhr = new XMLHttpRequest();
  const form = new FormData();
  form.append('file', file, file.name);
  const done = new Promise<FileInfo>((resolve, reject) => {
    // The request carries the multipart framing too; progress is told in the file's own bytes.
    xhr.upload.addEventListener('progress', (event) => {
      const fraction = event.lengthComputable && event.total > 0 ? event.loaded / event.total : 0;
      options.onProgress({ loaded: Math.min(file.size, Math.round(fraction * file.size)), total: file.size });
    });
    xhr.addEventListener('load', () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      const outcome = outcomeFor(body, file.name);
      if (xhr.status >= 200 && xhr.status < 300 && outcome && outcome.stored !== false && !outcome.error) {
        resolve(storedFile(bucket, file, outcome));
        return;
      }
      noteStatus(xhr.status);
      const status = xhr.status >= 200 && xhr.status < 300 ? 500 : xhr.status;
      reject(errorFrom(status, outcome?.error ? { error: outcome.error } : body, `The gateway answered ${xhr.status}`));
    });
    xhr.addEventListener('error', () => reject(ApiError.unreachable('The upload lost its connection to the gateway')));
    xhr.addEventListener('abort', () =>
      reject(new ApiError(0, { code: 0, mnemonic: '', reason: 'aborted', message: 'Cancelled' })),
    );
  });
  xhr.open('POST', `${bucketPath(bucket)}/files${options.overwrite ? '?overwrite=true' : ''}`);
  xhr.setRequestHeader('accept', 'application/json');
  xhr.send(form);
  return { done, cancel: () => xhr.abort() };
}

/** One file's outcome in the multipart answer `{ files: [...] }` (the gateway's UploadOutcome). */
interface Outcome {
  name?: string;
  stored?: boolean;
  size?: number;
  sha256?: string;
  modified?: string;
  file?: Partial<FileInfo>;
  error?: { code: number; mnemonic: string; reason: string; message: string };
}

/** The multipart answer lists each file's outcome; find this file's, whatever the wrapping. */
function outcomeFor(body: unknown, name: string): Outcome | null {
  if (!body || typeof body !== 'object') return null;
  const record = body as Record<string, unknown>;
  const list = Array.isArray(body) ? body : Array.isArray(record.files) ? record.files : Array.isArray(record.results) ? record.results : null;
  if (list) {
    const items = list as Outcome[];
    return items.find((o) => (o.name ?? o.file?.name) === name) ?? items[0] ?? null;
  }
  if (record.error) return { error: record.error as Outcome['error'] };
  return record as Outcome;
}

function storedFile(bucket: string, file: File, outcome: Outcome): FileInfo {
  const inner = outcome.file ?? {};
  return {
    bucket,
    name: inner.name ?? outcome.name ?? file.name,
    size: inner.size ?? outcome.size ?? file.size,
    modified: inner.modified ?? outcome.modified ?? new Date().toISOString(),
    sha256: inner.sha256 ?? outcome.sha256 ?? '',
  };
}
