// The "Publish to the Hub" form and its job (its own small store: only the publish panel reads it).
// The token and endpoint are the Hub form's (store.ts hubForm): one token, kept in memory, sent to
// that endpoint only.
import { create } from 'zustand';
import type { PublishProgress } from './publish-plan.ts';

export interface PublishState {
  /** owner/name of the repository to publish to. */
  repo: string;
  private: boolean;
  /** The unquantized model's id, for the card's base_model; prefilled from an opened Hub model. */
  baseModel: string;
  /** The user typed the base model: a model switch no longer prefills it. */
  baseModelEdited: boolean;
  phase: 'idle' | 'preparing' | 'running' | 'done' | 'cancelled' | 'error';
  progress: PublishProgress | null;
  /** The last retry, for the user to see why it is slow. */
  notice: string | null;
  result: { repoUrl: string; commitUrl: string; commitOid: string; created: boolean; files: string[] } | null;
  error: string | null;
}

export const initialPublish: PublishState = {
  repo: '', private: true, baseModel: '', baseModelEdited: false,
  phase: 'idle', progress: null, notice: null, result: null, error: null,
};

export const usePublish = create<PublishState>(() => initialPublish);
