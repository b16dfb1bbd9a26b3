// Arrow keys in the heatmap grid (one tab stop, roving focus): from a cell to the next one in its
// row or column, skipping the empty places a block has no tensor for.

/** The grid's tensor names by row; null where a block has no such tensor. */
export type GridNames = readonly (readonly (string | null)[])[];

export function gridNeighbour(grid: GridNames, name: string, key: string): string | null {
  const r = grid.findIndex((row) => row.includes(name));
  if (r < 0) return null;
  const c = grid[r]!.indexOf(name);
  const inRow = (row: number, from: number, step: number) => {
    for (let i = from; i >= 0 && i < grid[row]!.length; i += step) if (grid[row]![i]) return grid[row]![i]!;
    return null;
  };
  const inColumn = (from: number, step: number) => {
    for (let i = from; i >= 0 && i < grid.length; i += step) if (grid[i]![c]) return grid[i]![c]!;
    return null;
  };
  switch (key) {
    case 'ArrowRight': return inRow(r, c + 1, 1);
    case 'ArrowLeft': return inRow(r, c - 1, -1);
    case 'ArrowDown': return inColumn(r + 1, 1);
    case 'ArrowUp': return inColumn(r - 1, -1);
    case 'Home': return inRow(r, 0, 1);
    case 'End': return inRow(r, grid[r]!.length - 1, -1);
    default: return null;
  }
}
