import { useState, type ChangeEvent, type DragEvent } from 'react';
import { filesFromList } from '../app/dropped-files.ts';
import { openDroppedModel, openModelFiles } from '../app/source-actions.ts';
import { useStudio } from '../app/store.ts';

// Not in React's typings; Chromium, Firefox and Safari all honour it.
const folderPick = { webkitdirectory: '', directory: '' } as Record<string, string>;

function onPicked(e: ChangeEvent<HTMLInputElement>) {
  const input = e.currentTarget;
  if (input.files && input.files.length > 0) void openModelFiles(filesFromList(input.files));
  input.value = ''; // picking the same folder again must fire change again
}

/** The local source: a dropped or picked model folder (or its files). */
export function FolderSource() {
  const [dragging, setDragging] = useState(false);
  const planning = useStudio((s) => s.source.status === 'planning' && s.source.kind === 'folder');
  const fileCount = useStudio((s) => s.source.fileCount);

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    openDroppedModel(e.dataTransfer);
  };

  return (
    <div
      className={`drop-zone${dragging ? ' dragging' : ''}`}
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
        {planning ? (
          <strong>Reading headers of {fileCount} files…</strong>
        ) : (
          <>
            <strong>Drop a Hugging Face model folder or a GGUF file here</strong>
            <span className="muted">config.json and *.safetensors, or a .gguf (all shards of a split one); only headers are read until you export</span>
          </>
        )}
      </div>
      <div className="drop-actions">
        <label className="button">
          Choose folder
          <input type="file" className="visually-hidden" multiple data-testid="folder-input" onChange={onPicked} {...folderPick} />
        </label>
        <label className="button button-quiet">
          Choose files
          <input type="file" className="visually-hidden" multiple data-testid="files-input" onChange={onPicked} />
        </label>
      </div>
    </div>
  );
}
