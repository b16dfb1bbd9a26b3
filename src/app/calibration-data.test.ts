// The calibration data handed to the workers, and the key that names it for result caches:
// the same files give the same key, a changed byte or name another.
import { afterEach, describe, expect, it } from 'vitest';
import { setCalibrationSettings } from './calibration-actions.ts';
import { addCalibrationFiles, calibrationTexts, removeCalibrationFile } from './calibration-data.ts';

afterEach(() => {
  removeCalibrationFile('a.txt');
  removeCalibrationFile('b.txt');
});

describe('calibrationTexts', () => {
  it('gives the user files and a key that follows their bytes and names', async () => {
    setCalibrationSettings({ useDefaultSet: false });
    addCalibrationFiles([new File(['one two'], 'a.txt')]);
    const first = await calibrationTexts();
    expect(first.defaultSet).toBeNull();
    expect(first.userFiles).toEqual([{ name: 'a.txt', text: 'one two' }]);
    expect(first.datasetKey).toMatch(/^[0-9a-f]{64}$/);
    expect((await calibrationTexts()).datasetKey).toBe(first.datasetKey);

    addCalibrationFiles([new File(['one three'], 'a.txt')]);
    expect((await calibrationTexts()).datasetKey).not.toBe(first.datasetKey);
    removeCalibrationFile('a.txt');
    addCalibrationFiles([new File(['one two'], 'b.txt')]);
    expect((await calibrationTexts()).datasetKey).not.toBe(first.datasetKey);
  });
});
