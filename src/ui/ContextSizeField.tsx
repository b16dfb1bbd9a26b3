// The context-size choice of the calibration and evaluation panels: the same sizes in the same
// control, so that a calibration and an evaluation can be run at the same context.
const CONTEXT_SIZES = [64, 128, 256, 512, 1024, 2048];

export function ContextSizeField({ testId, value, disabled, onChange }: {
  testId: string;
  value: number;
  disabled: boolean;
  onChange: (contextSize: number) => void;
}) {
  return (
    <label className="recipe-field">
      <span className="field-label">Context</span>
      <select className="mix-select narrow-select" data-testid={testId} value={value} disabled={disabled} onChange={(e) => onChange(Number(e.currentTarget.value))}>
        {CONTEXT_SIZES.map((n) => (
          <option key={n} value={n}>{n} tokens</option>
        ))}
      </select>
    </label>
  );
}
