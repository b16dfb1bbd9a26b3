// An evaluation is one job of the evaluate worker: a cancel stops it, and one cancelled before it
// reached the worker never starts there. Workers are stand-ins.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeWorker, settle } from './test-workers.node.ts';

const fakes = vi.hoisted(() => ({
  exporter: null as ReturnType<typeof import('./test-workers.node.ts')['fakeWorker']> | null,
  evaluator: null as ReturnType<typeof import('./test-workers.node.ts')['fakeWorker']> | null,
}));

vi.mock('./export-client.ts', () => ({ exportWorker: () => fakes.exporter!.worker }));
vi.mock('./analysis-clients.ts', () => ({ evaluateWorker: () => fakes.evaluator!.worker }));

const { addEvaluationDomains, cancelEvaluation, removeEvaluationDomain, startEvaluation } = await import('./evaluation-actions.ts');
const { setModelEntries } = await import('./model-entries.ts');
const { useStudio } = await import('./store.ts');

const exported = { file: { name: 'm-Q8_0.gguf', blob: new Blob(['gguf']) }, problem: null };

beforeEach(() => {
  fakes.exporter = fakeWorker(['exportedFile'] as const);
  fakes.evaluator = fakeWorker(['evaluate', 'chooseDevice'] as const);
  setModelEntries([{ path: 'config.json', blob: new Blob(['{}']) }]);
  const initial = useStudio.getInitialState();
  useStudio.setState({ source: { ...initial.source, status: 'ready', label: 'm', identity: 'model-a', fileCount: 1 }, evaluation: initial.evaluation });
});

describe('evaluation jobs', () => {
  it('cancelled while the exported file is looked up: the worker is never asked', async () => {
    const done = startEvaluation();
    await settle();
    cancelEvaluation();
    fakes.exporter!.calls.exportedFile[0]!.result.resolve(exported);
    await done;
    expect(fakes.evaluator!.calls.evaluate).toHaveLength(0);
    expect(useStudio.getState().evaluation.phase).toBe('cancelled');
  });

  it('a cancel reaches the worker running it, and a second start while it runs is refused', async () => {
    const done = startEvaluation();
    await settle();
    fakes.exporter!.calls.exportedFile[0]!.result.resolve(exported);
    await settle();
    fakes.evaluator!.calls.chooseDevice[0]!.result.resolve({ kind: 'cpu', detail: 'on the CPU (as asked)' });
    await settle();
    expect(fakes.evaluator!.calls.evaluate).toHaveLength(1);
    expect(useStudio.getState().evaluation.device).toBe('on the CPU (as asked)');
    useStudio.setState((s) => ({ evaluation: { ...s.evaluation, phase: 'done' } })); // even if the phase says otherwise
    void startEvaluation();
    await settle();
    expect(fakes.exporter!.calls.exportedFile).toHaveLength(1);
    cancelEvaluation();
    expect(fakes.evaluator!.worker.cancel).toHaveBeenCalledTimes(1);
    fakes.evaluator!.calls.evaluate[0]!.result.reject(new DOMException('cancelled', 'AbortError'));
    await done;
    expect(useStudio.getState().evaluation.phase).toBe('cancelled');
  });

  it('every added text is a domain of the request, after the held-out text under its name; a file added again replaces its text', async () => {
    await addEvaluationDomains([new File(['def f(): pass'], 'code.py.txt'), new File(['Bonjour'], 'fr.txt')]);
    await addEvaluationDomains([new File(['def g(): pass'], 'code.py.txt')]);
    removeEvaluationDomain('fr.txt');
    const done = startEvaluation();
    await settle();
    fakes.exporter!.calls.exportedFile[0]!.result.resolve(exported);
    await settle();
    fakes.evaluator!.calls.chooseDevice[0]!.result.resolve({ kind: 'cpu', detail: 'on the CPU' });
    await settle();
    const request = fakes.evaluator!.calls.evaluate[0]!.args[2] as { text: string; textName: string; otherDomains: { name: string; text: string }[] };
    const { evaluation } = useStudio.getState();
    expect(request).toMatchObject({ text: evaluation.text, textName: evaluation.textName, otherDomains: [{ name: 'code.py.txt', text: 'def g(): pass' }] });
    cancelEvaluation();
    fakes.evaluator!.calls.evaluate[0]!.result.reject(new DOMException('cancelled', 'AbortError'));
    await done;
  });
});
