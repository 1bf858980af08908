import type { Item } from './dynamo-items.js';

/** One query of one shard: up to `limit` items after `startKey` in index order, and where the next one resumes. */
export type ShardQuery = (
  shard: number,
  startKey: Item | undefined,
  limit: number,
) => Promise<{ items: Item[]; lastKey?: Item }>;

interface ShardState {
  shard: number;
  /** Read, not yet taken. */
  buffer: Item[];
  startKey?: Item;
  /** The last query stopped before the shard's end. */
  more: boolean;
}

/**
 * The items of every shard of an index value, each shard in index order (descending), merged into one
 * descending sequence. An item is taken only while every shard that may hold more has one read ahead, so
 * none is passed over; equal sort values go to the lower shard. At most `budget` items are requested in all.
 */
export class ShardedMerge {
  private readonly shards: ShardState[];
  private requested = 0;

  constructor(
    startKeys: ReadonlyArray<Item | undefined>,
    private readonly query: ShardQuery,
    private readonly sortValue: (item: Item) => string | number,
    private readonly budget: number,
  ) {
    this.shards = startKeys.map((startKey, shard) => ({ shard, buffer: [], startKey, more: true }));
  }

  /** Every shard was read to its end and every item taken. */
  get finished(): boolean {
    return this.shards.every((state) => !state.more && state.buffer.length === 0);
  }

  /** The next `count` items and their shards; fewer when the shards end or the budget is spent. */
  async take(count: number): Promise<Array<{ item: Item; shard: number }>> {
    const taken: Array<{ item: Item; shard: number }> = [];
    while (taken.length < count) {
      const empty = this.shards.filter((state) => state.more && state.buffer.length === 0);
      if (empty.length > 0) {
        // An even share of what is still wanted, plus one, so a shard rarely needs a second query.
        const share = Math.ceil((count - taken.length) / empty.length) + 1;
        const limit = Math.min(share, Math.floor((this.budget - this.requested) / empty.length));
        if (limit < 1) break;
        this.requested += limit * empty.length;
        await Promise.all(empty.map((state) => this.read(state, limit)));
        continue;
      }
      let best: ShardState | undefined;
      for (const state of this.shards)
        if (state.buffer.length > 0 && (!best || this.sortValue(state.buffer[0]!) > this.sortValue(best.buffer[0]!)))
          best = state;
      if (!best) break;
      taken.push({ item: best.buffer.shift()!, shard: best.shard });
    }
    return taken;
  }

  private async read(state: ShardState, limit: number): Promise<void> {
    const { items, lastKey } = await this.query(state.shard, state.startKey, limit);
    state.buffer = items;
    state.startKey = lastKey;
    state.more = lastKey !== undefined;
  }
}
