import { XclipError } from '../../common/errors.js';

/** A request names a video, object or page that does not exist. */
export class NotFoundError extends XclipError {
  constructor(what: string) {
    super('NOT_FOUND', `${what} not found`, 'no such item');
  }
}

/** A request is well-formed but the video is not in a state that allows it (e.g. not classified yet). */
export class NotReadyError extends XclipError {
  constructor(what: string, why: string) {
    super('NOT_READY', what, why);
  }
}

/** A request body, query or path parameter fails validation. */
export class InvalidRequestError extends XclipError {
  constructor(what: string, why: string) {
    super('INVALID_REQUEST', what, why);
  }
}

export class InvalidCursorError extends XclipError {
  constructor(why: string) {
    super('INVALID_CURSOR', 'invalid page cursor', why);
  }
}

/** An object key that a store refuses: empty, absolute, or escaping the store with `..`. */
export class InvalidKeyError extends XclipError {
  constructor(key: string, why: string) {
    super('INVALID_KEY', `invalid object key ${JSON.stringify(key)}`, why);
  }
}

/** A stored artifact (embedding, visual tokens) is missing or does not have the expected size. */
export class CorruptArtifactError extends XclipError {
  constructor(key: string, why: string) {
    super('CORRUPT_ARTIFACT', `stored artifact ${key} is unusable`, why);
  }
}
