// Binary tensor files: .npy (NumPy) and .safetensors, read from dropped files and from
// lossd's safetensors answers, and written for requests too large to send as JSON text.
import { Tensor } from './tensors.js';

const npyTypes = {
  '<f4': [Float32Array, 'float32'], '<f8': [Float64Array, 'float64'], '<i8': [BigInt64Array, 'int64'],
  '<i4': [Int32Array, 'int32'], '|u1': [Uint8Array, 'uint8'], '|i1': [Int8Array, 'int8'],
};
const safetensorsTypes = {
  F32: [Float32Array, 'float32'], F64: [Float64Array, 'float64'], I64: [BigInt64Array, 'int64'],
  I32: [Int32Array, 'int32'], U8: [Uint8Array, 'uint8'],
};

/** Numbers of a typed array as a Float32Array or Float64Array (integers become float64). */
function asNumbers(typed) {
  if (typed instanceof Float32Array || typed instanceof Float64Array) return typed;
  return Float64Array.from(typed, Number);
}

/** Copies `bytes[offset, offset + length)` into a fresh, aligned typed array of `Type`. */
function typedCopy(Type, buffer, offset, length) {
  return new Type(buffer.slice(offset, offset + length));
}

/** The tensor in a .npy file (version 1 to 3, little-endian, C order). Throws with a reason. */
export function readNpy(buffer) {
  const bytes = new Uint8Array(buffer);
  if (bytes.length < 10 || bytes[0] !== 0x93 || String.fromCharCode(...bytes.slice(1, 6)) !== 'NUMPY') {
    throw new Error('not a .npy file (no \\x93NUMPY magic)');
  }
  const view = new DataView(buffer);
  const major = bytes[6];
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.slice(start, start + headerLength));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined) throw new Error('unreadable .npy header: ' + header);
  if (fortran) throw new Error('Fortran-order .npy files are not supported; save with np.ascontiguousarray');
  const type = npyTypes[descr];
  if (!type) throw new Error(`.npy dtype ${descr} is not supported (float32/64, int64/32, uint8, int8)`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const data = typedCopy(type[0], buffer, start + headerLength, count * type[0].BYTES_PER_ELEMENT);
  return new Tensor(shape, asNumbers(data), type[1]);
}

/** The tensors of a .safetensors file by name, and its metadata. Throws with a reason. */
export function readSafetensors(buffer) {
  if (buffer.byteLength < 8) throw new Error('not a .safetensors file (shorter than its 8-byte header length)');
  const headerLength = Number(new DataView(buffer).getBigUint64(0, true));
  if (headerLength > buffer.byteLength - 8) throw new Error('not a .safetensors file (header length past the end)');
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 8, headerLength)));
  const tensors = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const type = safetensorsTypes[entry.dtype];
    if (!type) throw new Error(`safetensors dtype ${entry.dtype} of ${name} is not read here (F32, F64, I64, I32, U8)`);
    const [begin, end] = entry.data_offsets;
    const data = typedCopy(type[0], buffer, 8 + headerLength + begin, end - begin);
    tensors[name] = new Tensor(entry.shape, asNumbers(data), type[1]);
  }
  return { tensors, metadata: header.__metadata__ || {} };
}

/** A .safetensors file of `tensors` (name to Tensor; int64 for `integer` names, float32 otherwise). */
export function writeSafetensors(tensors, integerNames) {
  const header = {};
  const parts = [];
  let offset = 0;
  for (const [name, tensor] of Object.entries(tensors)) {
    const integer = integerNames.has(name);
    const data = integer ? BigInt64Array.from(tensor.data, (x) => BigInt(Math.trunc(x)))
      : tensor.data instanceof Float32Array ? tensor.data : Float32Array.from(tensor.data);
    header[name] = { dtype: integer ? 'I64' : 'F32', shape: tensor.shape, data_offsets: [offset, offset + data.byteLength] };
    parts.push(data);
    offset += data.byteLength;
  }
  let headerText = JSON.stringify(header);
  headerText += ' '.repeat((8 - (headerText.length % 8)) % 8);
  const headerBytes = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const data of parts) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    at += data.byteLength;
  }
  return out;
}
