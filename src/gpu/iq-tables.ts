// Flat u32 tables the i-quant shaders read from a storage buffer, built from the CPU quantizers'
// own grid and lattice-search builders (iqGrid / latticeSearch), so the GPU walks exactly the same
// candidate lists in the same order as the byte-exact CPU reference.
import { iqGridValues, type IqGridName } from '../core/quant/iq/iq-grids.ts';
import { latticeSearch } from '../core/quant/iq/iq-lattice-search.ts';

/** Word offsets of the sections, stored in the table's first four words (see iq-search.wgsl). */
export const IQ_TABLE_HEADER_WORDS = 4;

const searchTables = new Map<string, Uint32Array>();

/**
 * [header | packed grid points | map: packed point -> grid index or 0xffffffff |
 *  list starts, one per packed point plus one | neighbour grid indices].
 * Neighbour lists are filled only for off-grid points whose levels are all <= maxLevel: the
 * quantizers clamp levels to that, so no other point is ever looked up (for the 2-bit grids this
 * is 3^8 of 2^16 points, which keeps the build to a fraction of a second).
 */
export function iqSearchTable(name: IqGridName, maxLevel: number): Uint32Array {
  const key = `${name}:${maxLevel}`;
  const hit = searchTables.get(key);
  if (hit) return hit;
  const search = latticeSearch(name);
  const { dim, bits, size, packed } = search.grid;
  const points = search.map.length;
  const mask = (1 << bits) - 1;
  const starts = new Uint32Array(points + 1);
  const lists: Uint16Array[] = [];
  let total = 0;
  for (let u = 0; u < points; u++) {
    starts[u] = total;
    if (search.map[u]! >= 0) continue;
    let reachable = true;
    for (let k = 0; k < dim && reachable; k++) reachable = ((u >>> (bits * k)) & mask) <= maxLevel;
    if (!reachable) continue;
    const indices = search.neighbours(u).indices;
    lists.push(indices);
    total += indices.length;
  }
  starts[points] = total;
  const gridOff = IQ_TABLE_HEADER_WORDS;
  const mapOff = gridOff + size;
  const startOff = mapOff + points;
  const listOff = startOff + points + 1;
  const words = new Uint32Array(listOff + total);
  words.set([gridOff, mapOff, startOff, listOff]);
  words.set(packed, gridOff);
  for (let u = 0; u < points; u++) words[mapOff + u] = search.map[u]! >>> 0;
  words.set(starts, startOff);
  let o = listOff;
  for (const list of lists) {
    words.set(list, o);
    o += list.length;
  }
  searchTables.set(key, words);
  return words;
}

const valueTables = new Map<IqGridName, Uint32Array>();

/** The decoder's grid values (iqGridValues: int8 per coordinate), four to a word, little-endian. */
export function iqValueTable(name: IqGridName): Uint32Array {
  const hit = valueTables.get(name);
  if (hit) return hit;
  const values = iqGridValues(name);
  const bytes = new Uint8Array(Math.ceil(values.length / 4) * 4);
  bytes.set(new Uint8Array(values.buffer, values.byteOffset, values.length));
  const words = new Uint32Array(bytes.buffer);
  valueTables.set(name, words);
  return words;
}
