// The studio's state: one zustand store assembled from slices. Components read it through
// narrow selectors; every change goes through the module-level actions in *-actions.ts.
import { create } from 'zustand';
import type { GgmlTypeName } from '../core/ggml-type.ts';
import type { ModelPlan, TensorTypes } from '../core/model/plan-types.ts';
import type { ExportProgress, QuantBackend } from '../workers/export.worker.ts';

export interface SourceSlice {
  source: {
    status: 'empty' | 'planning' | 'ready' | 'error';
    /** The folder's name, used for the output file name. */
    label: string;
    fileCount: number;
    plan: ModelPlan | null;
    error: string | null;
  };
}

export interface RecipeSlice {
  recipe: {
    baseType: GgmlTypeName;
    /** Per-tensor choices made in the heatmap, by GGUF name. */
    overrides: Readonly<Record<string, GgmlTypeName>>;
    /** What will be written (fallbacks applied); null until a plan is open. */
    types: TensorTypes | null;
    totalBytes: number;
    bitsPerWeight: number;
    error: string | null;
  };
}

export interface ExportSlice {
  exportJob: {
    phase: 'idle' | 'running' | 'done' | 'cancelled' | 'error';
    fileName: string;
    progress: ExportProgress | null;
    bytesWritten: number;
    error: string | null;
  };
}

export interface BackendSlice {
  backend: QuantBackend | null;
}

export type StudioState = SourceSlice & RecipeSlice & ExportSlice & BackendSlice;

export const initialSource: SourceSlice['source'] = {
  status: 'empty', label: '', fileCount: 0, plan: null, error: null,
};
export const initialRecipe: RecipeSlice['recipe'] = {
  baseType: 'F16', overrides: {}, types: null, totalBytes: 0, bitsPerWeight: 0, error: null,
};
export const initialExport: ExportSlice['exportJob'] = {
  phase: 'idle', fileName: '', progress: null, bytesWritten: 0, error: null,
};

export const useStudio = create<StudioState>()(() => ({
  source: initialSource,
  recipe: initialRecipe,
  exportJob: initialExport,
  backend: null,
}));
