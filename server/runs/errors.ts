/** A run directory that cannot be used as asked: the message names it, `fix` says what to do. */
export class RunDirError extends Error {
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
  }
}
