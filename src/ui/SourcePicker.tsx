import { useState, type ChangeEvent, type DragEvent } from 'react';
import { filesFromDataTransfer, filesFromList } from '../app/dropped-files.ts';
import { openModelFiles, showSourceError } from '../app/source-actions.ts';
import { useStudio } from '../app/store.ts';

// Not in React's typings; Chromium, Firefox and Safari all honour it.
const folderPick = { webkitdirectory: '', directory: '' } as Record<string, string>;

function onPicked(e: ChangeEvent<HTMLInputElement>) {
  const input = e.currentTarget;
  if (input.files && input.files.length > 0) void openModelFiles(filesFromList(input.files));
  input.value = ''; // picking the same folder again must fire change again
}

export function SourcePicker({ compact }: { compact: boolean }) {
  const [dragging, setDragging] = useState(false);
  const status = useStudio((s) => s.source.status);
  const label = useStudio((s) => s.source.label);
  const fileCount = useStudio((s) => s.source.fileCount);

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const pending = filesFromDataTransfer(e.dataTransfer); // before the handler returns
    void pending.then(openModelFiles, (err: Error) => showSourceError(`The dropped folder could not be read: ${err.message}`));
  };

  return (
    <section
      className={`drop-zone${dragging ? ' dragging' : ''}${compact ? ' compact' : ''}`}
      data-testid="drop-zone"
      onDragOver={(e) => {
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      <div className="drop-text">
        {status === 'planning' ? (
          <strong>Reading headers of {fileCount} files…</strong>
        ) : compact ? (
          <strong>
            {label} <span className="muted">· {fileCount} files</span>
          </strong>
        ) : (
          <>
            <strong>Drop a Hugging Face model folder here</strong>
            <span className="muted">config.json and *.safetensors; only headers are read until you export</span>
          </>
        )}
      </div>
      <div className="drop-actions">
        <label className="button">
          {compact ? 'Open another folder' : 'Choose folder'}
          <input type="file" className="visually-hidden" multiple data-testid="folder-input" onChange={onPicked} {...folderPick} />
        </label>
        <label className="button button-quiet">
          Choose files
          <input type="file" className="visually-hidden" multiple data-testid="files-input" onChange={onPicked} />
        </label>
      </div>
    </section>
  );
}
