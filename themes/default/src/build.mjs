// Assemble distances.wat into distances.wasm and embed it in ../js/averager.js (DISTANCES_WASM).
// Needs Node.js and the wabt package:  cd themes/default/src && npm install --no-save wabt@1.0.37 && node build.mjs
import fs from 'node:fs';
import wabtInit from 'wabt';

const here = new URL('.', import.meta.url);
const wabt = await wabtInit();
const mod = wabt.parseWat('distances.wat', fs.readFileSync(new URL('distances.wat', here), 'utf8'), { simd: true });
mod.validate();
const bytes = Buffer.from(mod.toBinary({}).buffer);
fs.writeFileSync(new URL('distances.wasm', here), bytes);
const js = new URL('../js/averager.js', here);
const src = fs.readFileSync(js, 'utf8');
const out = src.replace(/const DISTANCES_WASM = '[^']*';/, `const DISTANCES_WASM = '${bytes.toString('base64')}';`);
if (out === src && !src.includes(bytes.toString('base64'))) throw new Error('averager.js: DISTANCES_WASM not found');
fs.writeFileSync(js, out);
console.log(`distances.wasm: ${bytes.length} bytes, embedded in js/averager.js`);
