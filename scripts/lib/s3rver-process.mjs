// s3rver in a child process started with --openssl-legacy-provider: s3rver makes ListObjectsV2
// continuation tokens with DES, which OpenSSL 3 only has in its legacy provider. Options come as
// JSON in argv[2]; the parent gets { port } once it listens, then { event } for each S3 event.
import S3rver from 's3rver';
import { multipartGaps } from './s3rver-multipart.mjs';

const server = new S3rver(JSON.parse(process.argv[2]));
// Before s3rver's router, its last middleware.
server.middleware.splice(server.middleware.length - 1, 0, multipartGaps());
const { port } = await server.run();
server.on('event', (event) => process.send({ event }));
process.send({ port });
process.on('disconnect', () => server.close().then(() => process.exit(0)));
