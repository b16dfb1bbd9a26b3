// The environment Dawn needs to find a Vulkan driver. On machines without a GPU it is SwiftShader,
// the CPU Vulkan driver that ships in Debian's chromium package; a real GPU's driver is found by the
// system loader and needs nothing here.
import { existsSync } from 'node:fs';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export function webgpuEnv(base = process.env) {
  const env = { ...base, XDG_RUNTIME_DIR: base.XDG_RUNTIME_DIR ?? '/tmp' };
  if (!env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
    env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    env.LD_LIBRARY_PATH = ['/usr/lib/chromium', env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  }
  return env;
}
