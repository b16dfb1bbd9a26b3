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
    // SwiftShader has no 'shader-f16': the tests of the native f16 matmul accept that only with
    // this switch (and still fail if the adapter turns out to have the feature but it went unused).
    env.QUANT_STUDIO_NO_SHADER_F16 ??= '1';
  }
  return env;
}
