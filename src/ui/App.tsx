import { usePageGuards } from './page-guards.ts';
import { useEffect } from 'react';
import { loadHubSettings } from '../app/hub-actions.ts';
import { refreshCalibrationDataKey } from '../app/calibration-data.ts';
import { detectBackend } from '../app/source-actions.ts';
import { useStudio } from '../app/store.ts';
import { BackendBadge } from './BackendBadge.tsx';
import { CalibrationPanel } from './CalibrationPanel.tsx';
import { DownloadStatus } from './DownloadStatus.tsx';
import { DynamicPanel } from './DynamicPanel.tsx';
import { ErrorAlerts } from './ErrorAlerts.tsx';
import { EvaluationPanel } from './EvaluationPanel.tsx';
import { ExportStatus } from './ExportStatus.tsx';
import { Heatmap } from './Heatmap.tsx';
import { ModelSummary } from './ModelSummary.tsx';
import { PublishPanel } from './PublishPanel.tsx';
import { RecipeBar } from './RecipeBar.tsx';
import { SourcePicker } from './SourcePicker.tsx';

export function App() {
  useEffect(() => {
    void detectBackend();
    loadHubSettings();
    void refreshCalibrationDataKey();
  }, []);
  usePageGuards();
  const ready = useStudio((s) => s.source.status === 'ready');
  const fromHub = useStudio((s) => s.source.kind === 'hub');
  return (
    <div className="app">
      <header className="app-header">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
          <h1>quant-studio</h1>
          <span className="brand-tag">safetensors or GGUF → GGUF, in your browser</span>
        </div>
        <BackendBadge />
      </header>
      <main className="app-main">
        <SourcePicker compact={ready} />
        <ErrorAlerts />
        {ready && (
          <>
            <ModelSummary />
            {/* The main path first (a mix, export, evaluate, publish, the heatmap to edit); the
                slower, optional measurements after it. */}
            <RecipeBar />
            <ExportStatus />
            {fromHub && <DownloadStatus />}
            <EvaluationPanel />
            <PublishPanel />
            <Heatmap />
            <CalibrationPanel />
            <DynamicPanel />
          </>
        )}
      </main>
    </div>
  );
}
