/** One polite live region for the whole app: what just happened, read out by screen readers. */
class Announcer {
  message = $state('');
  #timer: ReturnType<typeof setTimeout> | undefined;

  say(message: string): void {
    // Clearing first makes a repeated message be read again.
    this.message = '';
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => (this.message = message), 50);
  }
}

export const announcer = new Announcer();
