import { Eta } from './Eta.tsx';
import { TextWithLinks } from './TextWithLinks.tsx';
import { lazy, Suspense, type ChangeEvent } from 'react';
import {
  addEvaluationDomains, cancelEvaluation, loadEvaluationFile, removeEvaluationDomain, restoreSampleText, saveEvaluationEvidence, setEvaluationSettings,
  setEvaluationText, startEvaluation,
} from '../app/evaluation-actions.ts';
import { useEvaluationDownload } from '../app/evaluation-actions.ts';
import { EVAL_SAMPLE_NAME } from '../app/eval-sample.ts';
import { useStudio } from '../app/store.ts';
import { modelIdentity } from '../app/model-identity.ts';
import type { EvaluationResult } from '../workers/protocol.ts';
import type { GreedyAgreement } from '../core/eval/greedy-agreement.ts';
import { formatEnergy } from './energy-colors.ts';
import { ContextSizeField } from './ContextSizeField.tsx';
import { ModelDownloadLine } from './CalibrationPanel.tsx';
import { formatBytes, formatDuration } from './format.ts';

const EvaluationCharts = lazy(() => import('./EvaluationCharts.tsx'));

function onTextPicked(e: ChangeEvent<HTMLInputElement>) {
  const input = e.currentTarget;
  const file = input.files?.[0];
  if (file) void loadEvaluationFile(file);
  input.value = '';
}

function onPromptsPicked(e: ChangeEvent<HTMLInputElement>) {
  const input = e.currentTarget;
  const file = input.files?.[0];
  if (file) void file.text().then((greedyPrompts) => setEvaluationSettings({ greedyPrompts }));
  input.value = '';
}

function onDomainsPicked(e: ChangeEvent<HTMLInputElement>) {
  const input = e.currentTarget;
  const files = [...(input.files ?? [])];
  if (files.length) void addEvaluationDomains(files);
  input.value = '';
}

function Figure({ label, value, raw, testId, detail }: { label: string; value: string; raw: number; testId: string; detail?: string }) {
  return (
    <div className="stat eval-stat">
      <span className="stat-value" data-testid={testId} data-value={raw} title={detail}>
        {value}
      </span>
      <span className="stat-label">{label}</span>
    </div>
  );
}

function Summary({ result, fileName, fileBytes }: { result: EvaluationResult; fileName: string; fileBytes: number }) {
  const r = result.report;
  return (
    <div className="eval-summary" data-testid="evaluation-summary">
      <Figure label="GGUF size" value={formatBytes(fileBytes)} raw={fileBytes} testId="eval-file-size" detail={fileName} />
      <Figure label="mean KLD" value={formatEnergy(r.kld.mean.value)} raw={r.kld.mean.value} testId="eval-mean-kld" detail={`± ${formatEnergy(r.kld.mean.error)}`} />
      <Figure label="median KLD" value={formatEnergy(r.kld.median)} raw={r.kld.median} testId="eval-median-kld" />
      <Figure label="99% KLD" value={formatEnergy(r.kld.p99)} raw={r.kld.p99} testId="eval-p99-kld" />
      <Figure label="99.9% KLD" value={formatEnergy(r.kld.p99_9)} raw={r.kld.p99_9} testId="eval-p99_9-kld" />
      <Figure label="same top token" value={`${(100 * r.sameTop.value).toFixed(1)}%`} raw={r.sameTop.value} testId="eval-same-top" detail={`± ${(100 * r.sameTop.error).toFixed(2)}%`} />
      <Figure label="PPL base" value={r.pplBase.value.toFixed(3)} raw={r.pplBase.value} testId="eval-ppl-base" />
      <Figure label="PPL quant" value={r.pplQuant.value.toFixed(3)} raw={r.pplQuant.value} testId="eval-ppl-quant" />
      <Figure label="PPL ratio" value={r.pplRatio.value.toFixed(4)} raw={r.pplRatio.value} testId="eval-ppl-ratio" detail={`± ${r.pplRatio.error.toFixed(4)}`} />
      <Figure label="RMS Δp" value={`${(100 * r.rmsDeltaP.value).toFixed(2)}%`} raw={r.rmsDeltaP.value} testId="eval-rms-dp" />
    </div>
  );
}

/** Does a long answer stay the same: the greedy-continuation agreement. */
function GreedySummary({ greedy: g }: { greedy: GreedyAgreement }) {
  return (
    <div className="eval-summary" data-testid="eval-greedy">
      <Figure label={`identical continuations (of ${g.prompts})`} value={`${(100 * g.identical).toFixed(1)}%`} raw={g.identical} testId="eval-greedy-identical"
        detail={`The share of prompts whose first ${g.tokens} greedy tokens are exactly the unquantized model's`} />
      <Figure label={`tokens agreed before a change (of ${g.tokens})`} value={g.meanAgreedPrefix.toFixed(1)} raw={g.meanAgreedPrefix} testId="eval-greedy-prefix" />
      <Figure label="top token agrees, on the base continuation" value={`${(100 * g.tokenAgreement).toFixed(1)}%`} raw={g.tokenAgreement} testId="eval-greedy-tokens-agree" />
    </div>
  );
}

/** Every domain's figures side by side, when more than one text was measured. */
function DomainTable({ result }: { result: EvaluationResult }) {
  return (
    <table className="domain-table" data-testid="eval-domain-table">
      <caption className="muted">Per domain: each text measured on its own (up to the same number of chunks)</caption>
      <thead>
        <tr>
          <th scope="col">domain</th><th scope="col">chunks</th><th scope="col">mean KLD</th><th scope="col">median</th>
          <th scope="col">99%</th><th scope="col">99.9%</th><th scope="col">same top</th><th scope="col">PPL ratio</th>
        </tr>
      </thead>
      <tbody>
        {result.domains.map((d) => (
          <tr key={d.name} data-testid="eval-domain-row" data-domain={d.name} data-mean-kld={d.report.kld.mean.value}>
            <th scope="row">{d.name}</th>
            <td>{d.chunks}</td>
            <td>{formatEnergy(d.report.kld.mean.value)}</td>
            <td>{formatEnergy(d.report.kld.median)}</td>
            <td>{formatEnergy(d.report.kld.p99)}</td>
            <td>{formatEnergy(d.report.kld.p99_9)}</td>
            <td>{(100 * d.report.sameTop.value).toFixed(1)}%</td>
            <td>{d.report.pplRatio.value.toFixed(4)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** After an export: how far the quantized file's next-token distributions are from the model's. */
export function EvaluationPanel() {
  const stored = useStudio((s) => s.evaluation);
  // A result compared another model's weights than those open now: not shown.
  const model = useStudio((s) => modelIdentity(s.source));
  const e = stored.result && stored.model !== model ? { ...stored, result: null } : stored;
  const exported = useStudio((s) => (s.exportJob.phase === 'done' ? s.exportJob.recipeFile : null));
  const download = useEvaluationDownload();
  if (!exported && !e.result && e.phase === 'idle') return null;
  const running = e.phase === 'running';
  const p = e.progress;
  return (
    <section className="analysis-panel" aria-label="Evaluation">
      <div className="panel-head">
        <h2>Evaluation</h2>
        <span className="muted">KL divergence of {exported ?? e.fileName} against the unquantized model, on held-out text (llama-perplexity's statistics).</span>
      </div>
        <div className="analysis-fields">
          <div className="recipe-field eval-text-field">
            <span className="field-label">
              Held-out text · <span data-testid="eval-text-name">{e.textName}</span> · {e.text.length.toLocaleString()} characters
            </span>
            <textarea className="text-input eval-text" rows={3} aria-label="Held-out text the evaluation measures on" value={e.text} disabled={running} data-testid="eval-text" onChange={(ev) => setEvaluationText(ev.currentTarget.value)} />
            <span className="data-files">
              <label className="button button-small">
                Load .txt…
                <input type="file" className="visually-hidden" accept=".txt,.md" data-testid="eval-file-input" disabled={running} onChange={onTextPicked} />
              </label>
              {e.textName !== EVAL_SAMPLE_NAME && (
                <button type="button" className="button button-quiet button-small" disabled={running} onClick={restoreSampleText}>
                  Use the built-in sample
                </button>
              )}
              <label className="button button-small" title="Each file is measured as a domain of its own (code, chat, another language…), so a recipe is judged beyond one kind of text">
                Add domains…
                <input type="file" multiple className="visually-hidden" accept=".txt,.md" data-testid="eval-domain-input" disabled={running} onChange={onDomainsPicked} />
              </label>
            </span>
            {e.otherDomains.length > 0 && (
              <span className="data-files" aria-label="Other domains" data-testid="eval-domains">
                <span className="field-label">Also measured, each as its own domain:</span>
                {e.otherDomains.map((d) => (
                  <span className="chip" key={d.name} title={`${d.text.length.toLocaleString()} characters`}>
                    {d.name}
                    <button type="button" className="chip-remove" aria-label={`Remove the domain ${d.name}`} disabled={running} onClick={() => removeEvaluationDomain(d.name)}>
                      ×
                    </button>
                  </span>
                ))}
              </span>
            )}
          </div>
          <div className="recipe-field eval-text-field">
            <span className="field-label">
              Greedy continuations (optional) · prompts, one per line · {e.greedyPrompts.split('\n').filter((l) => l.trim()).length} prompts
            </span>
            <textarea
              className="text-input eval-text" rows={2} aria-label="Prompts for the greedy continuations, one per line" data-testid="eval-prompts"
              placeholder="Once upon a time&#10;Write a function that…" value={e.greedyPrompts} disabled={running}
              onChange={(ev) => setEvaluationSettings({ greedyPrompts: ev.currentTarget.value })}
            />
            <span className="data-files">
              <label className="button button-small">
                Load prompts…
                <input type="file" className="visually-hidden" accept=".txt" data-testid="eval-prompts-input" disabled={running} onChange={onPromptsPicked} />
              </label>
              <label className="inline-field">
                <span className="field-label">tokens each</span>
                <input className="text-input number-input" type="number" min={1} max={512} data-testid="eval-greedy-tokens" value={e.greedyTokens} disabled={running}
                  onChange={(ev) => { const n = Math.floor(Number(ev.currentTarget.value)); if (n > 0) setEvaluationSettings({ greedyTokens: Math.min(512, n) }); }} />
              </label>
            </span>
          </div>
          <ContextSizeField testId="eval-ctx" value={e.contextSize} disabled={running} onChange={(contextSize) => setEvaluationSettings({ contextSize })} />
          <label className="recipe-field">
            <span className="field-label">Chunks (at most)</span>
            <input className="text-input number-input" type="number" min={1} max={1000} data-testid="eval-chunks" value={e.maxChunks} disabled={running} onChange={(ev) => { const n = Math.floor(Number(ev.currentTarget.value)); if (n > 0) setEvaluationSettings({ maxChunks: n }); }} />
          </label>
          <div className="analysis-actions">
            <button type="button" className="button button-primary" disabled={running || !exported} onClick={() => void startEvaluation()}>
              Evaluate
            </button>
          </div>
        </div>
        {running && (
          <div className="calibration-progress" data-testid="evaluation-progress">
            <div className="progress-head">
              <span>
                {p?.greedy
                  ? (p.greedy.stage === 'base' ? `Greedy continuations: base model, token ${Math.min(p.greedy.step + 1, p.greedy.steps)} of ${p.greedy.steps}` : 'Greedy continuations: the quantized model reads them')
                  : <>
                    {p && p.domain.count > 1 && `${p.domain.name} (domain ${p.domain.index} of ${p.domain.count}) · `}
                    {p ? `${p.stage === 'base' ? 'Base model' : 'Quantized model'}: chunk ${Math.min(p.chunksDone + 1, p.chunksTotal)} of ${p.chunksTotal}` : 'Reading the models…'}
                  </>}
                {e.device && <span className="muted" data-testid="evaluation-device"> · {e.device}</span>}
              </span>
              <button type="button" className="button button-quiet" onClick={cancelEvaluation}>Cancel</button>
            </div>
            <div className="progress" role="progressbar" aria-label="Evaluation progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round((p?.fraction ?? 0) * 100)}>
              <div className="progress-fill" style={{ width: `${(p?.fraction ?? 0) * 100}%` }} />
            </div>
            <div className="progress-numbers">
              {p ? `${Math.round(p.fraction * 100)}% · ${p.tokensPerSecond.toFixed(p.tokensPerSecond < 10 ? 1 : 0)} tokens/s · ` : 'starting…'}
              {p && <Eta seconds={p.etaSeconds} />}
            </div>
            <ModelDownloadLine download={download} testId="evaluation-download" />
          </div>
        )}
        {e.phase === 'cancelled' && <p className="muted" role="status">Evaluation cancelled.</p>}
        {e.phase === 'error' && e.error && (
          <div className="alert" role="alert" data-testid="evaluation-error">
            <strong>Evaluation failed</strong>
            <span className="alert-text"><TextWithLinks text={e.error} /></span>
          </div>
        )}
        {e.result && (
          <>
            <Summary result={e.result} fileName={e.fileName} fileBytes={e.fileBytes} />
            <p className="muted eval-note">
              {e.result.domains.length > 1 && <>Above: {e.result.domains[0]!.name}. </>}
              {e.result.chunks} chunks of {e.result.contextSize} tokens ({e.result.report.positions} scored positions, {e.result.tokens} tokens of text){e.result.domains.length > 1 ? `; ${e.result.domains.length} domains` : ''} in {formatDuration(e.result.seconds)}.
            </p>
            {e.result.domains.length > 1 && <DomainTable result={e.result} />}
            {e.result.greedy && <GreedySummary greedy={e.result.greedy} />}
            <div className="evidence-actions">
              <span className="field-label">Evidence for a model card</span>
              <button type="button" className="button button-small" data-testid="save-evidence-md" onClick={() => void saveEvaluationEvidence('md')}>Table (.md)</button>
              <button type="button" className="button button-small" data-testid="save-evidence-json" onClick={() => void saveEvaluationEvidence('json')}>JSON</button>
              <button type="button" className="button button-small" data-testid="save-evidence-svg" onClick={() => void saveEvaluationEvidence('svg')}>Chart (.svg)</button>
            </div>
            <Suspense fallback={<p className="muted">Drawing the charts…</p>}>
              <EvaluationCharts result={e.result} />
            </Suspense>
          </>
        )}
    </section>
  );
}
