import { useEffect, useRef } from 'react';
import { bitsPerWeight } from '../core/ggml-type.ts';
import type { PlannedTensor } from '../core/model/plan-types.ts';
import { reallocateIfDynamic } from '../app/dynamic-actions.ts';
import { clearTensorType, setTensorType } from '../app/recipe-actions.ts';
import { useStudio } from '../app/store.ts';
import { typesFittingTensor } from '../app/mix-choices.ts';
import { cellRefusal } from '../app/importance-checks.ts';
import { floatingBox } from './floating-box.ts';
import { TYPE_COLORS } from './type-colors.ts';

interface Props {
  tensor: PlannedTensor;
  rect: DOMRect;
  onClose: () => void;
}

export function TypeMenu({ tensor, rect, onClose }: Props) {
  const name = tensor.ggufName;
  const current = useStudio((s) => s.recipe.types?.get(name) ?? null);
  const chosen = useStudio((s) => s.recipe.overrides[name] ?? null);
  const supported = useStudio((s) => s.supportedTypes);
  const dynamic = useStudio((s) => s.recipe.dynamic !== null);
  const imatrix = useStudio((s) => s.imatrix);
  const recipe = useStudio((s) => s.recipe);
  const menuRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    // On the current type (a selector list would give the first item in document order instead).
    const menu = menuRef.current;
    (menu?.querySelector<HTMLElement>('[aria-checked="true"]') ?? menu?.querySelector<HTMLElement>('[role^="menuitem"]'))?.focus();
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    const onPointer = (e: PointerEvent) => {
      if (!menuRef.current?.contains(e.target as Node)) onClose();
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onPointer, true);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onPointer, true);
    };
  }, [onClose]);

  // Arrows through the items (the types in two columns: up and down move by a row), Home and End.
  const onMenuKey = (e: React.KeyboardEvent) => {
    const items = [...(menuRef.current?.querySelectorAll<HTMLElement>('[role^="menuitem"]:not(:disabled)') ?? [])];
    const at = items.indexOf(document.activeElement as HTMLElement);
    const step: Record<string, number> = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: 2, ArrowUp: -2 };
    let next: number | null = null;
    if (e.key in step) next = Math.min(items.length - 1, Math.max(0, (at < 0 ? 0 : at) + step[e.key]!));
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = items.length - 1;
    if (next === null) return;
    e.preventDefault();
    items[next]?.focus();
  };

  const offered = tensor.quantizable ? typesFittingTensor(tensor) : [];
  // Types needing importance weights this tensor has none of: shown, refused, and said why.
  const refusals = new Map(offered.map((t) => [t, cellRefusal({ imatrix, recipe }, name, t)]));
  const refused = offered.filter((t) => refusals.get(t));
  const height = tensor.quantizable ? 90 + Math.ceil(offered.length / 2) * 34 + (refused.length ? 60 : 0) : 90;
  return (
    <div
      ref={menuRef}
      className="type-menu"
      role="menu"
      aria-label={`Type of ${name}`}
      style={floatingBox(rect, 360, height)}
      onKeyDown={onMenuKey}
    >
      <div className="menu-title">{name}</div>
      {!tensor.quantizable ? (
        <p className="menu-note">Norms and 1-D tensors always stay F32, as in llama.cpp.</p>
      ) : (
        <>
          <div className="menu-grid">
            {offered.map((type) => {
              const writable = !supported || supported.includes(type);
              const refusal = refusals.get(type) ?? null;
              return (
                <button
                  key={type}
                  type="button"
                  role="menuitemradio"
                  aria-checked={type === chosen || (!chosen && type === current)}
                  className={`menu-item${writable ? '' : ' menu-item-unwritable'}`}
                  disabled={refusal !== null}
                  title={refusal ?? (writable ? undefined : `${type} cannot be exported in this browser yet`)}
                  onClick={() => {
                    if (setTensorType(name, type)) return;
                    // Under a budget, a lock moves the other tensors' types to keep the size.
                    reallocateIfDynamic();
                    onClose();
                  }}
                >
                  <span className="swatch" style={{ background: TYPE_COLORS[type].fill }} />
                  <span className="menu-type">{type}</span>
                  <span className="menu-bpw">{bitsPerWeight(type)} bpw</span>
                </button>
              );
            })}
          </div>
          {refused.length > 0 && (
            <p className="menu-note menu-note-refused" data-testid="type-menu-refused">
              {refused.join(', ')} need{refused.length === 1 ? 's' : ''} an importance matrix
              {imatrix.status === 'ready' ? ` with an entry for ${name}; the loaded one has none` : ' — load or compute one to choose them'}.
            </p>
          )}
          {supported && offered.some((t) => !supported.includes(t)) && (
            <p className="menu-note muted">* no quantizer in this browser writes it yet</p>
          )}
          {chosen && (
            <button
              type="button"
              role="menuitem"
              className="menu-item menu-reset"
              onClick={() => {
                clearTensorType(name);
                reallocateIfDynamic();
                onClose();
              }}
            >
              {dynamic ? 'Unlock: let the budget choose' : "Use the mix's type again"}
            </button>
          )}
        </>
      )}
    </div>
  );
}
