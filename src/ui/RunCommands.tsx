import { useState } from 'react';
import { runInstructions } from '../app/run-instructions.ts';
import type { SaveDestination } from '../app/store.ts';

const WHERE: Record<SaveDestination, string> = {
  download: "It is in your browser's downloads folder.",
  'picked-file': 'It is where you chose to save it.',
  'picked-folder': 'The files are in the folder you picked.',
};

/** After an export: where the file went, and the commands that run it, each copyable. */
export function RunCommands({ file, savedTo }: { file: string; savedTo: SaveDestination | null }) {
  const [copied, setCopied] = useState<string | null>(null);
  const copy = (tool: string, text: string) => {
    // No clipboard (an insecure context, a denied permission): the text stays selectable.
    void navigator.clipboard?.writeText(text).then(() => setCopied(tool), () => undefined);
  };
  return (
    <div className="run-commands" data-testid="run-commands">
      <span className="muted">
        {savedTo ? `${WHERE[savedTo]} ` : ''}Run it from that folder with:
      </span>
      {runInstructions(file).map((r) => (
        <div className="run-command" key={r.tool}>
          <a href={r.href} target="_blank" rel="noreferrer">{r.tool}</a>
          <pre><code>{r.command}</code></pre>
          <button type="button" className="button button-quiet" onClick={() => copy(r.tool, r.command)}>
            {copied === r.tool ? 'Copied' : 'Copy'}
          </button>
        </div>
      ))}
    </div>
  );
}
