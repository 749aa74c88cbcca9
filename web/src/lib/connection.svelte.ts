/** Whether the gateway (the events socket) and, behind it, the bucket server can be reached. */
export type Link = 'connecting' | 'up' | 'down';

class Connection {
  gateway = $state<Link>('connecting');
  server = $state<Link>('connecting');
  detail = $state('');

  readonly summary = $derived.by((): { state: Link; label: string } => {
    if (this.gateway === 'down') return { state: 'down', label: 'Gateway unreachable, reconnecting…' };
    if (this.gateway === 'connecting') return { state: 'connecting', label: 'Connecting…' };
    if (this.server === 'down') return { state: 'down', label: 'Bucket server unreachable, reconnecting…' };
    return { state: 'up', label: 'Connected' };
  });

  gatewayUp(): void {
    this.gateway = 'up';
    // Until the gateway says otherwise, a working events stream means the bucket server answers too.
    if (this.server === 'connecting') this.server = 'up';
  }

  gatewayDown(): void {
    this.gateway = 'down';
  }

  serverState(up: boolean, detail = ''): void {
    this.server = up ? 'up' : 'down';
    this.detail = detail;
  }
}

export const connection = new Connection();
