// The exact allocation for the usual case of a few hundred tensors with a handful of types each:
// a multiple-choice knapsack solved by dynamic programming over the Pareto front of
// (bytes, total KL) — after each tensor only the states no other state beats on both are kept.
// Where the front would grow past `maxStates`, it is thinned to the cheapest state per size
// bucket (then no longer exact; the caller keeps the better of this and the Lagrangian path).

export interface KnapsackItem { options: { size: number; kld: number }[] }

/** The option index per item minimising Σkld with Σsize <= budget, or null when nothing fits. */
export function paretoKnapsack(items: readonly KnapsackItem[], budget: number, maxStates = 50_000): number[] | null {
  let sizes = [0];
  let costs = [0];
  const parents: Int32Array[] = [];
  const picks: Uint8Array[] = [];
  for (const item of items) {
    const cand: { size: number; cost: number; parent: number; pick: number }[] = [];
    sizes.forEach((s, i) => item.options.forEach((o, k) => {
      if (s + o.size <= budget) cand.push({ size: s + o.size, cost: costs[i]! + o.kld, parent: i, pick: k });
    }));
    if (cand.length === 0) return null;
    cand.sort((a, b) => a.size - b.size || a.cost - b.cost);
    let front = cand.filter((() => { let best = Infinity; return (c: { cost: number }) => (c.cost < best ? ((best = c.cost), true) : false); })());
    if (front.length > maxStates) {
      const lo = front[0]!.size;
      const width = (front[front.length - 1]!.size - lo + 1) / maxStates;
      const kept = new Map<number, (typeof front)[number]>();
      for (const c of front) {
        const b = Math.floor((c.size - lo) / width);
        const k = kept.get(b);
        if (!k || c.cost < k.cost) kept.set(b, c);
      }
      front = [...kept.values()].sort((a, b) => a.size - b.size);
    }
    sizes = front.map((c) => c.size);
    costs = front.map((c) => c.cost);
    parents.push(Int32Array.from(front, (c) => c.parent));
    picks.push(Uint8Array.from(front, (c) => c.pick));
  }
  // The last state has the largest size within budget and the lowest cost.
  let state = sizes.length - 1;
  const choice = new Array<number>(items.length);
  for (let i = items.length - 1; i >= 0; i--) {
    choice[i] = picks[i]![state]!;
    state = parents[i]![state]!;
  }
  return choice;
}
