/** The command line itself is wrong: exit code 2, like a configuration mistake. */
export class UsageError extends Error {
  readonly code = "USAGE";

  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
