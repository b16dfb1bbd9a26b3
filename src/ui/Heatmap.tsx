import { useMemo, useRef, useState } from 'react';
import type { PlannedTensor } from '../core/model/plan-types.ts';
import { useStudio } from '../app/store.ts';
import { currentTable } from '../app/measurement-inputs.ts';
import { CellTooltip } from './CellTooltip.tsx';
import { heatmapLayout, roleLabel } from './heatmap-layout.ts';
import { HeatmapCell } from './HeatmapCell.tsx';
import { ColorByToggle, EnergyLegend, shownColor } from './EnergyLayer.tsx';
import { LAYER_CAPTIONS, layerValues, type MeasurementLayer } from './sensitivity-layer.ts';
import { energyScale } from './energy-colors.ts';
import { TypeLegend } from './TypeLegend.tsx';
import { TypeMenu } from './TypeMenu.tsx';
import { EditTools } from './EditTools.tsx';
import { columnPattern, rowPattern } from '../app/tensor-patterns.ts';
import { gridNeighbour, type GridNames } from './grid-navigation.ts';

/** A tensor with the on-screen box it was pointed at from, for placing popovers. */
export interface Pointed {
  tensor: PlannedTensor;
  rect: DOMRect;
}

export function Heatmap() {
  const plan = useStudio((s) => s.source.plan);
  const layout = useMemo(() => (plan ? heatmapLayout(plan) : null), [plan]);
  const grid: GridNames = useMemo(() => layout?.rows.map((r) => r.cells.map((t) => t?.ggufName ?? null)) ?? [], [layout]);
  // The grid's one tab stop (roving focus): the cell the arrows last moved to.
  const [focused, setFocused] = useState<string | null>(null);
  const [menu, setMenu] = useState<Pointed | null>(null);
  const [hover, setHover] = useState<Pointed | null>(null);
  // The bulk edit's PATTERN=TYPE text: a row or column heading starts it.
  const [pattern, setPattern] = useState('');
  const patternInput = useRef<HTMLInputElement>(null);
  const staleMix = useStudio((s) => (s.recipe.error ? s.recipe.appliedMix : null));
  const meanEnergy = useStudio((s) => (s.imatrix.status === 'ready' ? s.imatrix.meanEnergy : null));
  // Only measurements of what is loaded now colour the cells.
  const table = useStudio(currentTable);
  const types = useStudio((s) => s.recipe.types);
  const mode = shownColor(useStudio((s) => s.heatmapColor), { imatrix: meanEnergy !== null, table: table !== null });
  // The numbers the cells are coloured by (null: coloured by type).
  const values = useMemo(() => {
    if (mode === 'energy') return meanEnergy;
    if (mode === 'type' || !table) return null;
    return layerValues(table, types, mode);
  }, [mode, meanEnergy, table, types]);
  const scale = useMemo(() => energyScale(Object.values(values ?? {})), [values]);
  if (!layout) return null;

  const tabStop = focused && grid.some((row) => row.includes(focused)) ? focused : grid.flat().find(Boolean) ?? null;
  const onGridKey = (e: React.KeyboardEvent) => {
    const name = (e.target as HTMLElement).dataset?.tensor;
    if (!name) return;
    const next = gridNeighbour(grid, name, e.key);
    if (!next) return;
    e.preventDefault();
    setFocused(next);
    (e.currentTarget as HTMLElement).querySelector<HTMLElement>(`[data-tensor="${CSS.escape(next)}"]`)?.focus();
  };
  // Escape (or a type chosen) gives the focus back to the cell the menu was opened from.
  const closeMenu = () => {
    const name = menu?.tensor.ggufName;
    // Before the menu goes: focus left in a removed item would fall to the page's body.
    if (name) document.querySelector<HTMLElement>(`[data-tensor="${CSS.escape(name)}"]`)?.focus({ preventScroll: true });
    setMenu(null);
  };

  const startPattern = (text: string) => {
    setPattern(`${text}=`);
    const input = patternInput.current;
    input?.focus();
    // After React wrote the value: the caret after "=", where the type goes.
    requestAnimationFrame(() => input?.setSelectionRange(input.value.length, input.value.length));
  };

  const cellProps = (tensor: PlannedTensor) => ({
    tensor,
    layer: values ? { mode, value: values[tensor.ggufName], color: scale.color(values[tensor.ggufName]) } : undefined,
    menuOpen: menu?.tensor.ggufName === tensor.ggufName,
    // Cells of the grid share one tab stop; the globals above it keep their own.
    tabIndex: tensor.layer === null || tensor.ggufName === tabStop ? 0 : -1,
    onFocusCell: () => tensor.layer !== null && setFocused(tensor.ggufName),
    onOpen: (rect: DOMRect) => {
      setHover(null);
      setMenu({ tensor, rect });
    },
    onHover: (rect: DOMRect | null) => setHover(rect ? { tensor, rect } : null),
  });

  return (
    <section className={`heatmap-panel${staleMix ? ' heatmap-stale' : ''}`} aria-label="Tensor types">
      <div className="panel-head">
        <h2>Tensors</h2>
        <span className="muted" data-testid="heatmap-note">
          {staleMix ? `Still showing ${staleMix}: the chosen mix cannot be applied` : 'Click a cell to choose its type, a row or column heading to set them all'}
        </span>
        <ColorByToggle available={{ imatrix: meanEnergy !== null, table: table !== null }} />
      </div>
      <EditTools pattern={pattern} onPattern={setPattern} inputRef={patternInput} />
      {layout.globals.length > 0 && (
        <div className="globals" role="group" aria-label="Tensors outside the blocks">
          {layout.globals.map((t) => (
            <div className="global" key={t.ggufName}>
              <span className="global-label">{roleLabel(t.role)}</span>
              <HeatmapCell {...cellProps(t)} />
            </div>
          ))}
        </div>
      )}
      <div className="heatmap-scroll">
        <div
          className="heatmap"
          role="grid"
          aria-label="Tensors by block and role: arrow keys move between cells, Enter opens a cell's types"
          onKeyDown={onGridKey}
          style={{ gridTemplateColumns: `3.5rem repeat(${layout.columns.length}, minmax(4.25rem, 1fr))` }}
        >
          {layout.groups.some((g) => g.label === 'experts') && (
            // A MoE layer reads as attention, router and experts: a heading over each run of columns.
            <div role="row" className="heatmap-row" data-testid="heatmap-groups">
              <span className="corner" role="columnheader"><span className="visually-hidden">Block</span></span>
              {layout.groups.map((g, i) => (
                <span key={`${g.label}-${i}`} role="columnheader" className={`col-group col-group-${g.label.replaceAll(' ', '-')}`} style={{ gridColumn: `span ${g.span}` }}>
                  {g.label}
                </span>
              ))}
            </div>
          )}
          <div role="row" className="heatmap-row">
            <span className="corner" role="columnheader"><span className="visually-hidden">Block</span></span>
            {layout.columns.map((role, i) => {
              const sample = layout.rows.find((r) => r.cells[i])?.cells[i];
              return (
                <span key={role} role="columnheader" className="col-head">
                  {sample ? (
                    <button type="button" className="head-button" title={`Set the type of every ${layout.labels[i]} tensor`} onClick={() => startPattern(columnPattern(sample.ggufName))}>
                      {layout.labels[i]}
                    </button>
                  ) : layout.labels[i]}
                </span>
              );
            })}
          </div>
          {layout.rows.map((row) => (
            <div role="row" className="heatmap-row" key={row.layer}>
              <span role="rowheader" className="row-head">
                <button type="button" className="head-button" title={`Set the type of every tensor of block ${row.layer}`} onClick={() => startPattern(rowPattern(row.layer))}>
                  blk {row.layer}
                </button>
              </span>
              {row.cells.map((t, i) =>
                t ? (
                  <span role="gridcell" key={t.ggufName}>
                    <HeatmapCell {...cellProps(t)} />
                  </span>
                ) : (
                  <span role="gridcell" key={`empty-${i}`} className="cell-empty" />
                ),
              )}
            </div>
          ))}
        </div>
      </div>
      {values ? (
        <EnergyLegend
          scale={scale}
          testId={mode === 'energy' ? 'energy-legend' : 'layer-legend'}
          caption={mode === 'energy' ? 'mean activation energy per column (log scale); grey: not in the imatrix' : `${LAYER_CAPTIONS[mode as MeasurementLayer]}; grey: not measured`}
        />
      ) : (
        <TypeLegend />
      )}
      {hover && !menu && <CellTooltip tensor={hover.tensor} rect={hover.rect} />}
      {menu && <TypeMenu tensor={menu.tensor} rect={menu.rect} onClose={closeMenu} />}
    </section>
  );
}
