import type { FastifyInstance } from 'fastify';
import { isFolderKey } from '../../shared/protocol/names.ts';
import { Reason } from '../../shared/protocol/reasons.ts';
import { presignGet } from '../../shared/sigv4/presign.ts';
import { refusal } from '../errors.ts';
import { attachment } from '../http/disposition.ts';
import { baseName, keyOf, type KeyParams } from '../http/key.ts';
import { errorResponses, fileParams } from '../schemas.ts';
import type { ShareSigning } from '../share/signing.ts';

/** The shortest and longest a share link may last: 1 hour and 7 days (S3's longest presign). */
export const SHARE_MIN_SECONDS = 3600;
export const SHARE_MAX_SECONDS = 604_800;

type ShareRequest = { Params: KeyParams; Body: { expiresIn: number } };

/**
 * POST /api/buckets/:bucket/share/KEY: a link to download the file without
 * a login, for a while: an S3 presigned GET of the S3 listener, signed with
 * the share pair's secret. It reads only, so a read-only login may make one.
 * The file must exist when the link is made; the link serves whatever the
 * key holds when it is followed.
 */
export async function shareRoute(app: FastifyInstance, signing: ShareSigning): Promise<void> {
  app.post<ShareRequest>(
    '/api/buckets/:bucket/share/*',
    {
      config: { command: 'stat' },
      schema: {
        summary: 'Makes a link that downloads the file without a login until it expires (an S3 presigned GET of the S3 listener)',
        params: fileParams,
        body: {
          type: 'object',
          required: ['expiresIn'],
          additionalProperties: false,
          properties: {
            expiresIn: { type: 'integer', minimum: SHARE_MIN_SECONDS, maximum: SHARE_MAX_SECONDS, description: 'Seconds the link works, 3600 (1 hour) to 604800 (7 days)' },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['url', 'expires'],
            properties: {
              url: { type: 'string', description: "The presigned GET URL of the S3 listener; it downloads under the file's name" },
              expires: { type: 'string', format: 'date-time', description: 'When the link stops working' },
            },
          },
          ...errorResponses(400, 404),
        },
      },
    },
    async (request, reply) => {
      const { bucket } = request.params;
      const key = keyOf(request);
      if (isFolderKey(key)) throw refusal('stat', Reason.badName, `a share link is for a file, and ${JSON.stringify(key)} is a folder`);
      // Refused here, not by a link that never works: a missing file is 404.
      await app.lanes.command(reply, (c) => c.stat(bucket, key));
      // Whole seconds: SigV4's timestamp has no milliseconds, so the expiry shown is the one the listener applies.
      const signedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
      const { expiresIn } = request.body;
      const url = presignGet({
        endpoint: signing.publicUrl || `http://${request.hostname}:${signing.s3Port}`,
        bucket,
        key,
        accessKey: signing.key.accessKey,
        secretKey: signing.key.secretKey,
        region: signing.region,
        expiresIn,
        signedAt,
        query: { 'response-content-disposition': attachment(baseName(key)) },
      });
      return { url, expires: new Date(signedAt.getTime() + expiresIn * 1000).toISOString() };
    },
  );
}

