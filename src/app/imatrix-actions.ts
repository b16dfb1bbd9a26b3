// Loading an importance matrix: the worker reads and keeps it (it is what the quantizers use);
// the page keeps what it shows and what the mixes ask (whether one is loaded).
import { exportWorker } from './export-client.ts';
import { recomputeRecipe } from './recipe-actions.ts';
import { initialImatrix, useStudio, type StudioState } from './store.ts';

let loadSeq = 0;
/** The picked file of the loaded importance matrix (published with the GGUFs it weighted). */
let pickedFile: File | null = null;

export function pickedImatrixFile(): File | null {
  return pickedFile;
}

export async function loadImatrixFile(file: File): Promise<void> {
  const seq = ++loadSeq;
  useStudio.setState({ imatrix: { ...initialImatrix, status: 'loading', name: file.name } });
  recomputeRecipe();
  try {
    const info = await exportWorker().loadImatrix(file.name, file);
    if (seq !== loadSeq) return; // a newer pick replaced this one
    pickedFile = file;
    useStudio.setState({ imatrix: { status: 'ready', name: file.name, ...info, origin: 'file', error: null } });
  } catch (e) {
    if (seq !== loadSeq) return;
    useStudio.setState({
      imatrix: { ...initialImatrix, status: 'error', name: file.name, error: (e as Error).message },
    });
  }
  recomputeRecipe();
}

export function clearImatrix(): void {
  loadSeq++;
  pickedFile = null;
  useStudio.setState({ imatrix: initialImatrix });
  recomputeRecipe();
  void exportWorker().clearImatrix();
}

/**
 * A model switch done: an importance matrix the studio calibrated (`previous`, the old model's
 * slice) was measured on the old model, so the worker drops it (the store's slice was reset by
 * open-model's reducer); a picked file stays, and so does one picked while the new model opened.
 */
export function forgetCalibratedImatrix(previous: StudioState['imatrix']): void {
  if (previous.origin !== 'calibration' || useStudio.getState().imatrix.status !== 'empty') return;
  loadSeq++;
  void exportWorker().clearImatrix();
}
