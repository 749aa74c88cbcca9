import type { FileInfo } from '../../../shared/protocol/types.ts';
import { ApiError, errorFrom, filePath, noteStatus } from './http.ts';

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
 * Sends one file as the body of PUT /api/buckets/:bucket/files/<key> through
 * XMLHttpRequest, whose upload events are the only way a page can see how
 * many bytes have left it. The key travels in the path (slashes and all), so
 * a file of a dropped folder keeps its place in the tree. The browser streams
 * the File from disk; the page never reads it into memory.
 */
export function uploadFile(
  bucket: string,
  key: string,
  file: Blob,
  options: { overwrite: boolean; onProgress: (progress: UploadProgress) => void },
): UploadHandle {
  const xhr = new XMLHttpRequest();
  const done = new Promise<FileInfo>((resolve, reject) => {
    xhr.upload.addEventListener('progress', (event) => {
      const loaded = event.lengthComputable ? Math.min(file.size, event.loaded) : 0;
      options.onProgress({ loaded, total: file.size });
    });
    xhr.addEventListener('load', () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300 && body && typeof body === 'object' && 'sha256' in body) {
        resolve(body as FileInfo);
        return;
      }
      noteStatus(xhr.status);
      reject(errorFrom(xhr.status >= 200 && xhr.status < 300 ? 500 : xhr.status, body, `The gateway answered ${xhr.status}`));
    });
    xhr.addEventListener('error', () => reject(ApiError.unreachable('The upload lost its connection to the gateway')));
    xhr.addEventListener('abort', () =>
      reject(new ApiError(0, { code: 0, mnemonic: '', reason: 'aborted', message: 'Cancelled' })),
    );
  });
  xhr.open('PUT', `${filePath(bucket, key)}${options.overwrite ? '?overwrite=true' : ''}`);
  xhr.setRequestHeader('accept', 'application/json');
  // The gateway passes any body through as it comes; the type says nothing it stores.
  xhr.setRequestHeader('content-type', 'application/octet-stream');
  xhr.send(file);
  return { done, cancel: () => xhr.abort() };
}
