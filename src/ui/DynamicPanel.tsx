// Dynamic quantization: measure every tensor's sensitivity, then pick each tensor's type under a
// size budget (the slider re-allocates on every move, around the user's locks), compare against
// llama.cpp's mixes on the frontier chart, and save or load the recipe.
import { Eta } from './Eta.tsx';
import { TextWithLinks } from './TextWithLinks.tsx';
import { lazy, Suspense, useMemo, useState, type ChangeEvent } from 'react';
import { predictKld } from '../core/dynamic/predict.ts';
import type { MeasureMode } from '../core/dynamic/sensitivity-types.ts';
import {
  applyBudget, cancelMeasurement, checkBudgetWhole, setRefineCount, MEASURE_CONTEXT, measureCurrentRecipe, measureMixes, isRealGpu, measureSensitivityNow, measurementBlocker,
  setDynamicSettings, setMeasurementDevice,
} from '../app/dynamic-actions.ts';
import { currentMeasurementInputs, currentTable, describeImatrix, staleReasons } from '../app/measurement-inputs.ts';
import { modelIdentity } from '../app/model-identity.ts';
import { loadRecipeFile, saveRecipeJson, saveTensorTypeFile } from '../app/recipe-file-actions.ts';
import { useStudio, type CandidateSet, type WholeCheck } from '../app/store.ts';
import { formatEnergy } from './energy-colors.ts';
import { KeptMeasurementOffer } from './KeptOffers.tsx';
import { formatBytes } from './format.ts';

const FrontierChart = lazy(() => import('./FrontierChart.tsx'));

const CANDIDATE_SETS: { value: CandidateSet; label: string }[] = [
  { value: 'default', label: 'K-quants and i-quants (Q2_K … Q8_0)' },
  { value: 'every-size', label: 'Every size, IQ1_S … Q8_0 (the 1–2 bit types need an imatrix)' },
  { value: 'arm', label: 'Fast on Apple / ARM (Q4_0 … Q8_0, IQ4_NL)' },
];

const STAGES = { error: 'quantization error', base: 'base forward', kld: 'KL per tensor', mixes: 'whole recipes' } as const;

function MeasureProgress() {
  const p = useStudio((s) => s.dynamic.progress);
  const fraction = p && p.total > 0 ? p.done / p.total : 0;
  return (
    <div className="export-status" data-testid="sensitivity-progress">
      <div className="progress" role="progressbar" aria-label="Measuring progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(fraction * 100)}>
        <div className="progress-fill" style={{ width: `${(fraction * 100).toFixed(1)}%` }} />
      </div>
      <div className="progress-numbers">
        {p ? `${STAGES[p.stage]} · ${p.done} of ${p.total}${p.tensor ? ` · ${p.tensor}` : ''} · ` : 'preparing the held-out chunks…'}
        {p && <Eta seconds={p.etaSeconds} />}
      </div>
    </div>
  );
}

/** What the whole-recipe check found. */
/** The local search's sizes offered: off, a quick look, a thorough one. */
const REFINE_COUNTS = [0, 8, 24, 96] as const;

function WholeCheckNote({ check: c }: { check: Extract<WholeCheck, { phase: 'done' }> }) {
  // The check's own best (before any local search), and whether a search then changed the recipe.
  const checkedKld = c.refined?.startKld ?? c.chosenKld;
  const searched = (c.refined?.kept ?? 0) > 0;
  return (
    <p className="muted" role="status" data-testid="whole-check" data-own-kld={c.ownKld} data-chosen-kld={c.chosenKld} data-chosen-bytes={c.chosenBytes} data-target-bytes={c.targetBytes}>
      Checked whole at {formatBytes(c.targetBytes)} ({c.measuredCount} allocation{c.measuredCount === 1 ? '' : 's'} measured on the held-out chunks):{' '}
      {c.chosenMix
        ? <>llama.cpp’s {c.chosenMix} itself measured {formatEnergy(checkedKld)} against {formatEnergy(c.ownKld)} for this size’s allocation, so its types are {searched ? 'where the search started' : 'now the recipe'}.</>
        : c.chosenRung
        ? <>the allocation at {c.chosenRung}’s size measured {formatEnergy(checkedKld)} against {formatEnergy(c.ownKld)} for this size’s own, so it is {searched ? 'where the search started' : 'now the recipe'}.</>
        : <>this size’s own allocation measured best, {formatEnergy(c.ownKld)}{searched ? '.' : '; the recipe stays.'}</>}
      {c.refined && (
        <span data-testid="whole-check-refined" data-kept={c.refined.kept}>
          {' '}Then {c.refined.measuredCount} nearby recipe{c.refined.measuredCount === 1 ? '' : 's'} of this size were measured:{' '}
          {searched
            ? <>{c.refined.kept} change{c.refined.kept === 1 ? '' : 's'} measured better beyond the chunks’ noise and {c.refined.kept === 1 ? 'is' : 'are'} kept: {formatEnergy(c.chosenKld)}, {formatBytes(c.chosenBytes)}.</>
            : <>none measured better beyond the chunks’ noise.</>}
        </span>
      )}
    </p>
  );
}

function BudgetSlider() {
  const range = useStudio((s) => s.dynamic.range);
  const target = useStudio((s) => s.dynamic.targetBpw);
  const active = useStudio((s) => s.recipe.dynamic !== null);
  const bytes = useStudio((s) => s.recipe.totalBytes);
  if (!range) return null;
  const step = Math.max(0.005, (range.max - range.min) / 400);
  return (
    <label className="budget">
      <span className="field-label">Size budget {active ? '' : '(moving it applies a dynamic recipe)'}</span>
      <input
        type="range"
        className="budget-slider"
        data-testid="budget-slider"
        aria-label="Size budget in bits per weight"
        min={range.min}
        max={range.max}
        step={step}
        value={target ?? range.min}
        onChange={(e) => applyBudget(Number(e.currentTarget.value))}
      />
      <span className="budget-ends">
        <span>{range.min.toFixed(2)} bpw</span>
        <span data-testid="budget-value">
          {target !== null ? `${target.toFixed(2)} bpw target` : ''}{active ? ` · ${formatBytes(bytes)}` : ''}
        </span>
        <span>{range.max.toFixed(2)} bpw</span>
      </span>
    </label>
  );
}

function Figures() {
  const d = useStudio((s) => s.dynamic);
  const table = useStudio(currentTable);
  const types = useStudio((s) => s.recipe.types);
  const evaluation = useStudio((s) => (s.evaluation.phase === 'done' && s.evaluation.model === modelIdentity(s.source) ? s.evaluation.result : null));
  // Whatever the recipe is (a mix with edits, or dynamic), what the measurements predict for it.
  const predicted = useMemo(() => (table && types ? predictKld(table, types) : null), [table, types]);
  const exported = d.exported;
  return (
    <div className="dynamic-figures">
      <div className="stat">
        <span className="stat-value" data-testid="predicted-kld" data-value={predicted ?? ''}>
          {predicted !== null ? formatEnergy(predicted) : '—'}
        </span>
        <span className="stat-label">predicted KL of this recipe (nats)</span>
      </div>
      {exported && (
        <div className="stat" data-testid="exported-figures" data-predicted={exported.predictedKld} data-measured={exported.measuredKld ?? ''}>
          <span className="stat-value">
            {formatEnergy(exported.predictedKld)} → {exported.measuredKld === null ? 'measuring…' : formatEnergy(exported.measuredKld)}
          </span>
          <span className="stat-label">
            {exported.label}: predicted → measured{exported.sameTop !== null ? ` · same top ${(exported.sameTop * 100).toFixed(1)}%` : ''}
          </span>
        </div>
      )}
      {exported && evaluation && (
        <div className="stat" data-testid="evaluation-kld">
          <span className="stat-value">{formatEnergy(evaluation.report.kld.mean.value)}</span>
          <span className="stat-label">evaluation of the file (its own text)</span>
        </div>
      )}
    </div>
  );
}

function RecipeFiles() {
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const canSave = useStudio((s) => s.recipe.types !== null && s.recipe.error === null);
  const run = (work: () => Promise<unknown>) => {
    setError(null);
    setNote(null);
    work().catch((e: Error) => setError(e.message));
  };
  const onPick = (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.currentTarget.files?.[0];
    e.currentTarget.value = '';
    if (file) run(async () => setNote((await loadRecipeFile(file)) ?? `Loaded ${file.name}`));
  };
  return (
    <div className="recipe-files">
      <button type="button" className="button button-small" disabled={!canSave} onClick={() => run(saveRecipeJson)}>
        Save recipe (JSON)
      </button>
      <button type="button" className="button button-small" disabled={!canSave} onClick={() => run(saveTensorTypeFile)}>
        Save llama-quantize tensor-type file
      </button>
      <label className="button button-small">
        Load recipe…
        <input type="file" className="visually-hidden" accept=".json,application/json" data-testid="recipe-file-input" onChange={onPick} />
      </label>
      {note && <span className="muted" role="status" data-testid="recipe-note">{note}</span>}
      {error && (
        <div className="alert" role="alert" data-testid="recipe-error">
          <strong>Recipe</strong>
          <span className="alert-text">{error}</span>
        </div>
      )}
    </div>
  );
}

/** What the table on screen was measured with: the label a result carries. */
function MeasuredWith() {
  const inputs = useStudio((s) => s.dynamic.inputs);
  const positions = useStudio((s) => s.dynamic.table?.positions ?? 0);
  if (!inputs) return null;
  return (
    <p className="muted" data-testid="sensitivity-inputs" data-imatrix={inputs.imatrix ?? ''} data-model={inputs.model}>
      Measured on {positions} held-out positions with {describeImatrix(inputs.imatrix, inputs.imatrixName)}.
    </p>
  );
}

/** A table measured with other inputs than those open now: kept (they may come back), never used. */
function StaleNotice() {
  // Joined here: a selector must return the same value for the same state (a string is).
  const reasons = useStudio((s) => (s.dynamic.inputs ? staleReasons(s.dynamic.inputs, currentMeasurementInputs(s)).join('; ') : ''));
  return (
    <div className="alert alert-notice" role="status" data-testid="sensitivity-stale">
      <strong>These measurements do not describe what is loaded now</strong>
      <span className="alert-text">They were made {reasons}. Measure again to use them.</span>
    </div>
  );
}

export function DynamicPanel() {
  const d = useStudio((s) => s.dynamic);
  const current = useStudio((s) => currentTable(s) !== null);
  const blocker = useStudio(measurementBlocker);
  const exportDone = useStudio((s) => s.exportJob.phase === 'done');
  const dynamicRecipe = useStudio((s) => s.recipe.dynamic !== null);
  const gpuIsReal = useStudio((s) => isRealGpu(s.backend));
  const hasImatrix = useStudio((s) => s.imatrix.status === 'ready');
  const busy = d.phase === 'measuring';
  return (
    <section className="analysis-panel" aria-label="Dynamic quantization">
      <div className="panel-head">
        <h2>Dynamic quantization</h2>
        <span className="muted">Measures what each type costs each tensor, then spends a size budget where it buys the most accuracy.</span>
      </div>
      <div className="analysis-fields">
        <label className="recipe-field">
          <span className="field-label">Types</span>
          <select className="mix-select" data-testid="candidate-set" value={d.candidates} disabled={busy} onChange={(e) => setDynamicSettings({ candidates: e.currentTarget.value as CandidateSet })}>
            {CANDIDATE_SETS.map((c) => <option key={c.value} value={c.value}>{c.label}</option>)}
          </select>
        </label>
        <label className="recipe-field">
          <span className="field-label">Held-out chunks</span>
          <input className="text-input number-input" type="number" min={1} max={256} data-testid="sensitivity-chunks" value={d.chunks} disabled={busy}
            onChange={(e) => setDynamicSettings({ chunks: Math.max(1, Math.floor(Number(e.currentTarget.value)) || d.chunks) })} />
        </label>
        <label className="recipe-field">
          <span className="field-label">KL measured</span>
          <select className="mix-select narrow-select" data-testid="measure-mode" value={d.measure} disabled={busy} onChange={(e) => setDynamicSettings({ measure: e.currentTarget.value as MeasureMode })}>
            <option value="layer">fast: 2 types per tensor at their layer</option>
            <option value="probe">2 types per tensor, rest fitted</option>
            <option value="all">every type</option>
            <option value="none">none (error and priors only)</option>
          </select>
        </label>
        <label className="recipe-field">
          <span className="field-label">Measure on</span>
          <select className="mix-select narrow-select" data-testid="measure-device" value={d.device} disabled={busy} onChange={(e) => setMeasurementDevice(e.currentTarget.value as 'auto' | 'cpu' | 'gpu')}>
            <option value="auto">{gpuIsReal ? 'auto (the GPU)' : 'auto (CPU workers)'}</option>
            <option value="gpu">the GPU (WebGPU)</option>
            <option value="cpu">CPU workers</option>
          </select>
        </label>
        <div className="analysis-actions">
          {busy ? (
            <button type="button" className="button" onClick={() => cancelMeasurement()}>Cancel</button>
          ) : (
            <button type="button" className="button button-primary" disabled={blocker !== null} title={blocker ?? undefined}
              onClick={() => void measureSensitivityNow(current)}>
              {/* Again (afresh) only what is current; other inputs may have stored measurements. */}
              {current ? 'Measure again' : 'Measure sensitivity'}
            </button>
          )}
        </div>
      </div>
      {!busy && blocker && <p className="muted analysis-warning" role="status" data-testid="measure-blocked">{blocker}</p>}
      <p className="muted">
        On {d.chunks} held-out chunk{d.chunks === 1 ? '' : 's'} of {MEASURE_CONTEXT} tokens from the end of the calibration data
        {hasImatrix ? ', with the loaded importance matrix' : ', without an importance matrix (every column weighs the same)'}.
        Kept for this model, data, importance matrix and type list: edits never measure again.
      </p>
      {!busy && <KeptMeasurementOffer />}
      {busy && <MeasureProgress />}
      {d.phase === 'cancelled' && <p className="muted" role="status">Measurement cancelled.</p>}
      {d.warnings.map((w) => <p className="muted analysis-warning" key={w}>Note: {w}</p>)}
      {d.error && (
        <div className="alert" role="alert" data-testid="dynamic-error">
          <strong>Dynamic quantization</strong>
          <span className="alert-text"><TextWithLinks text={d.error} /></span>
        </div>
      )}
      {d.table && !current && !busy && <StaleNotice />}
      {d.table && current && (
        <>
          <MeasuredWith />
          <div className="analysis-fields" data-testid="sensitivity-ready" data-positions={d.table.positions} data-tensors={d.table.tensors.length}>
            <BudgetSlider />
            <Figures />
          </div>
          <div className="analysis-actions-row recipe-files">
            {d.mixesPhase === 'measuring' ? (
              <button type="button" className="button button-small" onClick={() => cancelMeasurement()} data-testid="cancel-mixes">
                Cancel measuring the mixes
              </button>
            ) : (
              <button type="button" className="button button-small" onClick={() => void measureMixes()} data-testid="measure-mixes">
                {d.mixesPhase === 'done' ? 'Measure the mixes again' : 'Measure llama.cpp’s mixes'}
              </button>
            )}
            <button type="button" className="button button-small" onClick={() => void measureCurrentRecipe(exportDone ? 'exported file' : 'this recipe')} data-testid="measure-recipe">
              Measure this recipe
            </button>
            {d.wholeCheck?.phase === 'measuring' ? (
              <button type="button" className="button button-small" onClick={() => cancelMeasurement()} data-testid="cancel-whole-check">
                Cancel the check
              </button>
            ) : (
              <button
                type="button" className="button button-small" disabled={!dynamicRecipe} onClick={() => void checkBudgetWhole()} data-testid="check-whole"
                title="Measures this size's allocation whole, and those at the sizes of llama.cpp's smaller mixes; the best that fits becomes the recipe"
              >
                Check this size whole
              </button>
            )}
            <label className="inline-field">
              <span className="field-label">then search nearby</span>
              <select className="mix-select narrow-select" data-testid="refine-count" value={d.refine} disabled={d.wholeCheck?.phase === 'measuring'}
                onChange={(e) => setRefineCount(Number(e.currentTarget.value))}
                title="After the check, measures recipes of the same size a few tensors away and keeps the changes that measure better beyond the noise">
                {REFINE_COUNTS.map((n) => <option key={n} value={n}>{n === 0 ? 'off' : `${n} recipes`}</option>)}
              </select>
            </label>
          </div>
          {(d.mixesPhase === 'measuring' || d.wholeCheck?.phase === 'measuring') && <MeasureProgress />}
          {d.wholeCheck?.phase === 'done' && <WholeCheckNote check={d.wholeCheck} />}
          <Suspense fallback={<p className="muted">Loading the chart…</p>}>
            <FrontierChart />
          </Suspense>
        </>
      )}
      <RecipeFiles />
    </section>
  );
}
