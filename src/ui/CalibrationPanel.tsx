import { Eta } from './Eta.tsx';
import { TextWithLinks } from './TextWithLinks.tsx';
import type { ChangeEvent } from 'react';
import {
  cancelCalibration, discardResumableCalibration, resumeCalibration, saveCalibratedImatrix, setCalibrationSettings, startCalibration,
  useCalibrationDevice, useCalibrationDownload,
} from '../app/calibration-actions.ts';
import { addCalibrationFiles, removeCalibrationFile } from '../app/calibration-data.ts';
import { useStudio, type DownloadSlice } from '../app/store.ts';
import { ContextSizeField } from './ContextSizeField.tsx';
import { KeptCalibrationOffer } from './KeptOffers.tsx';
import { keptCalibrationInUse } from '../app/kept-calibration.ts';
import { formatBytes, formatCount, formatRate } from './format.ts';

function onFilesPicked(e: ChangeEvent<HTMLInputElement>) {
  const input = e.currentTarget;
  if (input.files?.length) addCalibrationFiles(Array.from(input.files));
  input.value = '';
}

function positive(value: string, fallback: number): number {
  const n = Math.floor(Number(value));
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/**
 * A Hub model's bytes as an analysis worker reads them: the weights stream from the network
 * (or the OPFS cache) layer by layer while it runs, once per pass.
 */
export function ModelDownloadLine({ download, testId }: { download: DownloadSlice['download']; testId: string }) {
  const { overall, cacheBytes, notice } = download;
  if (!overall && cacheBytes === 0 && !notice) return null;
  return (
    <div className="progress-numbers" data-testid={testId} data-bytes={overall?.bytes ?? 0} data-cache-bytes={cacheBytes}>
      {overall && (
        <span>
          Downloaded {formatBytes(overall.bytes)} of the model{overall.bytesPerSecond > 0 ? ` · ${formatRate(overall.bytesPerSecond)}` : ''}
        </span>
      )}
      {overall && cacheBytes > 0 && ' · '}
      {cacheBytes > 0 && <span>{formatBytes(cacheBytes)} from the cache</span>}
      {notice && <span className="muted"> · {notice}</span>}
    </div>
  );
}

/** Where the calibration runs ("on the CPU: this GPU (…) is a software emulation…"). */
function CalibrationDeviceNote({ prefix }: { prefix: string }) {
  const device = useCalibrationDevice((s) => s.device);
  if (!device) return null;
  return <span data-testid="calibration-device" data-device={device.kind}>{prefix}{device.detail}</span>;
}

function CalibrationProgressView() {
  const download = useCalibrationDownload();
  const progress = useStudio((s) => s.calibration.progress);
  const saved = useStudio((s) => s.calibration.saved);
  const phase = useStudio((s) => s.calibration.phase);
  const fraction = progress ? Math.min(1, progress.tokensDone / Math.max(1, progress.tokensTotal)) : 0;
  return (
    <div className="calibration-progress" data-testid="calibration-progress">
      <div className="progress-head">
        <span>{phase === 'preparing' ? 'Tokenizing the calibration data…' : <>Calibrating <CalibrationDeviceNote prefix="" /></>}</span>
        <button type="button" className="button button-quiet" onClick={cancelCalibration} disabled={phase !== 'running'}>
          Cancel
        </button>
      </div>
      <div className="progress" role="progressbar" aria-label="Calibration progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(fraction * 100)}>
        <div className="progress-fill" style={{ width: `${fraction * 100}%` }} />
      </div>
      <div className="progress-numbers" data-testid="calibration-numbers">
        {progress
          ? `pass ${progress.pass + 1} of ${progress.passes} · layer ${progress.layer} of ${progress.layers} · ` +
            `${formatCount(Math.round(progress.tokensDone))} of ${formatCount(progress.tokensTotal)} tokens · ` +
            `${progress.tokensPerSecond.toFixed(progress.tokensPerSecond < 10 ? 1 : 0)} tokens/s · `
          : 'starting…'}
        {progress && <Eta seconds={progress.etaSeconds} />}
        {saved && (
          <span data-testid="calibration-saved" data-layer={saved.layer} data-pass={saved.pass}>
            {' '}· checkpoint after layer {saved.layer}
          </span>
        )}
      </div>
      <ModelDownloadLine download={download} testId="calibration-download" />
    </div>
  );
}

function ResumeOffer() {
  const resumable = useStudio((s) => s.calibration.resumable);
  const measuring = useStudio((s) => s.dynamic.phase === 'measuring');
  if (!resumable) return null;
  return (
    <div className="resume-offer" data-testid="resume-offer">
      <span>
        An interrupted calibration of this model was saved after layer {resumable.layer} of {resumable.layers}
        {resumable.passes > 1 ? ` in pass ${resumable.pass + 1} of ${resumable.passes}` : ''} ({resumable.chunks} chunks of{' '}
        {resumable.contextSize} tokens · {resumable.datasets.join(', ')}).
      </span>
      <span className="resume-actions">
        <button type="button" className="button button-primary button-small" disabled={measuring} onClick={() => void resumeCalibration()}>
          Resume calibration
        </button>
        <button type="button" className="button button-quiet button-small" onClick={() => void discardResumableCalibration()}>
          Discard
        </button>
      </span>
    </div>
  );
}

/** Calibration: data, context and chunk count; the result becomes the studio's importance matrix. */
export function CalibrationPanel() {
  const c = useStudio((s) => s.calibration);
  const imatrixFromCalibration = useStudio((s) => s.imatrix.status === 'ready' && s.imatrix.origin === 'calibration');
  const imatrixName = useStudio((s) => s.imatrix.name);
  const keptHere = useStudio(keptCalibrationInUse);
  const busy = c.phase === 'running' || c.phase === 'preparing';
  const noData = !c.useDefaultSet && c.userFiles.length === 0;
  // Its imatrix would replace the one a running measurement measures with (dynamic-actions cancels it then).
  const measuring = useStudio((s) => s.dynamic.phase === 'measuring');
  return (
    <section className="analysis-panel" aria-label="Calibration">
      <div className="panel-head">
        <h2>Calibration</h2>
        <span className="muted">Measures which weights matter on real text: the importance matrix the low-bit mixes need.</span>
      </div>
        <div className="analysis-fields">
          <div className="recipe-field">
            <span className="field-label">Data</span>
            <label className="check">
              <input type="checkbox" checked={c.useDefaultSet} disabled={busy} onChange={(e) => setCalibrationSettings({ useDefaultSet: e.currentTarget.checked })} />
              Default set (chat, prose, code, math in 10 languages)
            </label>
            <div className="data-files">
              {c.userFiles.map((name) => (
                <span className="chip" key={name}>
                  {name}
                  <button type="button" className="chip-remove" aria-label={`Remove ${name}`} disabled={busy} onClick={() => removeCalibrationFile(name)}>
                    ×
                  </button>
                </span>
              ))}
              <label className="button button-small">
                Add .txt / .jsonl…
                <input type="file" className="visually-hidden" accept=".txt,.jsonl,.md" multiple data-testid="calibration-file-input" disabled={busy} onChange={onFilesPicked} />
              </label>
            </div>
          </div>
          <ContextSizeField testId="calibration-ctx" value={c.contextSize} disabled={busy} onChange={(contextSize) => setCalibrationSettings({ contextSize })} />
          <label className="recipe-field">
            <span className="field-label">Chunks</span>
            <input className="text-input number-input" type="number" min={1} max={10000} data-testid="calibration-chunks" value={c.maxChunks} disabled={busy} onChange={(e) => setCalibrationSettings({ maxChunks: positive(e.currentTarget.value, c.maxChunks) })} />
          </label>
          <div className="analysis-actions">
            <button type="button" className="button button-primary" disabled={busy || noData || measuring}
              title={measuring ? 'A sensitivity measurement is running' : undefined} onClick={() => void startCalibration()}>
              Calibrate
            </button>
            {imatrixFromCalibration && (
              <button type="button" className="button" onClick={() => void saveCalibratedImatrix()}>
                Save imatrix
              </button>
            )}
          </div>
        </div>
        {!busy && measuring && (
          <p className="muted analysis-warning" role="status" data-testid="calibrate-blocked">
            A sensitivity measurement is running with the current importance matrix: calibrate when it has finished, or cancel it.
          </p>
        )}
        {!busy && <ResumeOffer />}
        {!busy && <KeptCalibrationOffer />}
        {busy && <CalibrationProgressView />}
        {c.phase === 'done' && imatrixFromCalibration && (
          <p className="analysis-done" role="status" data-testid="calibration-done">
            Importance matrix <strong>{imatrixName}</strong> ready: {c.chunks} chunks of {c.contextSize} tokens
            {c.chatTemplate ? ', conversations in the model\'s chat template' : ''}<CalibrationDeviceNote prefix=", calibrated " />. The mixes and the export use it now.
            {keptHere && <span data-testid="calibration-kept"> Kept in this browser: offered again when this model is opened.</span>}
          </p>
        )}
        {c.phase === 'cancelled' && <p className="muted" role="status">Calibration cancelled.</p>}
        {c.warnings.map((w) => (
          <p className="muted analysis-warning" key={w}>Note: {w}</p>
        ))}
        {c.phase === 'error' && c.error && (
          <div className="alert" role="alert" data-testid="calibration-error">
            <strong>{c.resumable ? 'Calibration interrupted' : 'Calibration failed'}</strong>
            <span className="alert-text"><TextWithLinks text={c.error} /></span>
          </div>
        )}
    </section>
  );
}
