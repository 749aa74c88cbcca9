import type { UploadAnswer } from '../../../shared/api/types.ts';
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
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      const ok = xhr.status >= 200 && xhr.status < 300;
      // The form carries this one file, so the answer's one outcome is its own.
      const outcome = ok ? (body as UploadAnswer | null)?.files?.[0] : undefined;
      if (outcome?.stored) {
        resolve({ bucket, name: outcome.name, size: outcome.size, modified: outcome.modified, sha256: outcome.sha256 });
        return;
      }
      noteStatus(xhr.status);
      if (outcome) reject(new ApiError(xhr.status, outcome.error));
      else reject(errorFrom(ok ? 500 : xhr.status, body, `The gateway answered ${xhr.status}`));
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
