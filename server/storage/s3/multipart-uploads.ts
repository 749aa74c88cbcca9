import { ListMultipartUploadsCommand, type MultipartUpload, type S3Client } from '@aws-sdk/client-s3';

/**
 * Every unfinished multipart upload of an engine bucket, page after page:
 * ListMultipartUploads answers at most 1,000 (or `pageSize`) at a time, and
 * whoever aborts leftovers or empties a bucket must see them all.
 */
export async function* multipartUploads(engine: S3Client, bucket: string, pageSize?: number): AsyncGenerator<MultipartUpload> {
  let marker: { KeyMarker?: string; UploadIdMarker?: string } = {};
  for (;;) {
    const page = await engine.send(new ListMultipartUploadsCommand({ Bucket: bucket, MaxUploads: pageSize, ...marker }));
    yield* page.Uploads ?? [];
    if (!page.IsTruncated) return;
    marker = { KeyMarker: page.NextKeyMarker, UploadIdMarker: page.NextUploadIdMarker };
  }
}
