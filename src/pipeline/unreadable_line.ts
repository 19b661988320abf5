/**
 * A line of a push file whose bytes are not valid UTF-8. It is dead-lettered, never journaled:
 * decoded leniently its text would hold U+FFFD where D&B's bytes were, and stored that way it
 * would pass for what D&B sent. `text` is that lenient decoding, for a person to look at.
 */
export class UnreadableLine {
  readonly text: string;
  readonly reason: string;

  constructor(text: string, reason: string) {
    this.text = text;
    this.reason = reason;
  }
}
