// The contacts, their heading vectors and trails as one MapLibre custom WebGL layer.
//
// Why not GeoJSON sources: `setData` of 5,000 features every second re-tiles them in MapLibre's worker
// (a whole core on a 2-core machine) and re-uploads every visible tile. Here an update fills three typed
// arrays in place (positions in Web Mercator relative to a fixed origin, so float32 keeps sub-pixel
// precision at zoom 16) and uploads them with one bufferData each; drawing is one gl.POINTS call (disc +
// ring drawn in the fragment shader) and one gl.LINES call. Nothing is re-tiled, nothing runs in a worker.

const POINT_VS = `
uniform mat4 u_matrix; uniform float u_dpr;
attribute vec2 a_pos; attribute vec4 a_color; attribute vec2 a_style;
varying vec4 v_color; varying float v_r; varying float v_ring; varying float v_size; varying float v_kind;
void main() {
  gl_Position = u_matrix * vec4(a_pos, 0.0, 1.0);
  float ring = a_style.y > 1.5 ? 2.0 : (a_style.y > 0.5 ? 1.5 : 0.0);
  v_r = a_style.x * u_dpr; v_ring = ring * u_dpr; v_kind = a_style.y;
  v_size = 2.0 * (v_r + v_ring) + 2.0 * u_dpr;
  gl_PointSize = v_size; v_color = a_color;
}`;
const POINT_FS = `
precision mediump float;
varying vec4 v_color; varying float v_r; varying float v_ring; varying float v_size; varying float v_kind;
void main() {
  float d = length(gl_PointCoord - 0.5) * v_size;          // distance from the centre, device px
  vec3 ringRgb = v_kind > 1.5 ? vec3(1.0) : vec3(1.0, 0.231, 0.188);
  float inFill = 1.0 - smoothstep(v_r - 0.5, v_r + 0.5, d);
  float inAll = 1.0 - smoothstep(v_r + v_ring - 0.5, v_r + v_ring + 0.5, d);
  vec3 rgb = mix(ringRgb, v_color.rgb, v_ring > 0.0 ? inFill : 1.0);
  float a = (v_ring > 0.0 ? inAll : inFill) * v_color.a;
  if (a <= 0.0) discard;
  gl_FragColor = vec4(rgb * a, a);                           // premultiplied, as MapLibre blends
}`;
const LINE_VS = `
uniform mat4 u_matrix; attribute vec2 a_pos; attribute vec4 a_color; varying vec4 v_color;
void main() { gl_Position = u_matrix * vec4(a_pos, 0.0, 1.0); v_color = a_color; }`;
const LINE_FS = `
precision mediump float; varying vec4 v_color;
void main() { gl_FragColor = vec4(v_color.rgb * v_color.a, v_color.a); }`;

export function mercX(lon) { return (lon + 180) / 360; }
export function mercY(lat) {
  const s = Math.sin((lat * Math.PI) / 180);
  return 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
}

function program(gl, vs, fs) {
  const p = gl.createProgram();
  for (const [type, src] of [[gl.VERTEX_SHADER, vs], [gl.FRAGMENT_SHADER, fs]]) {
    const s = gl.createShader(type);
    gl.shaderSource(s, src); gl.compileShader(s);
    if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(gl.getShaderInfoLog(s));
    gl.attachShader(p, s);
  }
  gl.linkProgram(p);
  if (!gl.getProgramParameter(p, gl.LINK_STATUS)) throw new Error(gl.getProgramInfoLog(p));
  return p;
}

/** A growable set of typed arrays: one Float32Array of positions and one Uint8Array per other attribute. */
class Vertices {
  constructor(perVertex) { this.per = perVertex; this.n = 0; this.grow(1024); }
  grow(cap) {
    const old = this.a;
    this.cap = cap;
    this.a = Object.fromEntries(Object.entries(this.per).map(([k, [Type, size]]) => [k, new Type(cap * size)]));
    if (old) for (const k of Object.keys(old)) this.a[k].set(old[k]);
  }
  reserve(n) { if (n > this.cap) this.grow(Math.max(n, this.cap * 2)); }
}

export class ContactLayer {
  constructor(origin) {
    this.id = 'contacts'; this.type = 'custom'; this.renderingMode = '2d';
    this.ox = mercX(origin[0]); this.oy = mercY(origin[1]);
    this.pts = new Vertices({ pos: [Float32Array, 2], color: [Uint8Array, 4], style: [Float32Array, 2] });
    this.lines = new Vertices({ pos: [Float32Array, 2], color: [Uint8Array, 4] });
    this.dirty = true;
    this.drawn = 0;            // points drawn by the last render (tests and the benchmark read it)
  }

  onAdd(map, gl) {
    this.map = map; this.gl = gl;
    this.pointProg = program(gl, POINT_VS, POINT_FS);
    this.lineProg = program(gl, LINE_VS, LINE_FS);
    this.buf = { ppos: gl.createBuffer(), pcolor: gl.createBuffer(), pstyle: gl.createBuffer(),
      lpos: gl.createBuffer(), lcolor: gl.createBuffer() };
  }

  onRemove(_map, gl) { for (const b of Object.values(this.buf)) gl.deleteBuffer(b); }

  // ---- filling (the console's render() calls these once per update) ----------------------------------
  begin(nPoints) { this.pts.reserve(nPoints); this.pts.n = 0; this.lines.n = 0; }

  point(lon, lat, rgb, opacity, radiusPx, ring) {
    const p = this.pts, i = p.n++;
    p.a.pos[2 * i] = mercX(lon) - this.ox; p.a.pos[2 * i + 1] = mercY(lat) - this.oy;
    p.a.color[4 * i] = rgb[0]; p.a.color[4 * i + 1] = rgb[1]; p.a.color[4 * i + 2] = rgb[2];
    p.a.color[4 * i + 3] = Math.round(opacity * 255);
    p.a.style[2 * i] = radiusPx; p.a.style[2 * i + 1] = ring;
  }

  /** A polyline as GL_LINES segments; coords [[lon, lat], ...]. */
  polyline(coords, rgb, opacity) {
    const l = this.lines, a = Math.round(opacity * 255);
    l.reserve(l.n + 2 * (coords.length - 1));
    for (let k = 1; k < coords.length; k++) {
      for (const [lon, lat] of [coords[k - 1], coords[k]]) {
        const i = l.n++;
        l.a.pos[2 * i] = mercX(lon) - this.ox; l.a.pos[2 * i + 1] = mercY(lat) - this.oy;
        l.a.color[4 * i] = rgb[0]; l.a.color[4 * i + 1] = rgb[1]; l.a.color[4 * i + 2] = rgb[2]; l.a.color[4 * i + 3] = a;
      }
    }
  }

  end() { this.dirty = true; if (this.map) this.map.triggerRepaint(); }

  // ---- drawing --------------------------------------------------------------------------------------
  upload(gl) {
    const { pts, lines, buf } = this;
    gl.bindBuffer(gl.ARRAY_BUFFER, buf.ppos); gl.bufferData(gl.ARRAY_BUFFER, pts.a.pos.subarray(0, 2 * pts.n), gl.DYNAMIC_DRAW);
    gl.bindBuffer(gl.ARRAY_BUFFER, buf.pcolor); gl.bufferData(gl.ARRAY_BUFFER, pts.a.color.subarray(0, 4 * pts.n), gl.DYNAMIC_DRAW);
    gl.bindBuffer(gl.ARRAY_BUFFER, buf.pstyle); gl.bufferData(gl.ARRAY_BUFFER, pts.a.style.subarray(0, 2 * pts.n), gl.DYNAMIC_DRAW);
    gl.bindBuffer(gl.ARRAY_BUFFER, buf.lpos); gl.bufferData(gl.ARRAY_BUFFER, lines.a.pos.subarray(0, 2 * lines.n), gl.DYNAMIC_DRAW);
    gl.bindBuffer(gl.ARRAY_BUFFER, buf.lcolor); gl.bufferData(gl.ARRAY_BUFFER, lines.a.color.subarray(0, 4 * lines.n), gl.DYNAMIC_DRAW);
    this.dirty = false;
  }

  attrib(gl, prog, name, buffer, size, type, normalized) {
    const loc = gl.getAttribLocation(prog, name);
    if (loc < 0) return -1;
    gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
    gl.enableVertexAttribArray(loc);
    gl.vertexAttribPointer(loc, size, type, normalized, 0, 0);
    return loc;
  }

  render(gl, matrix) {
    if (gl.bindVertexArray) gl.bindVertexArray(null);   // never write into MapLibre's vertex arrays
    if (this.dirty) this.upload(gl);
    // matrix x translate(origin), in double precision, then float32 for the GPU
    const m = new Float32Array(16);
    for (let i = 0; i < 16; i++) m[i] = matrix[i];
    for (let i = 0; i < 4; i++) m[12 + i] = matrix[i] * this.ox + matrix[4 + i] * this.oy + matrix[12 + i];
    gl.disable(gl.DEPTH_TEST); gl.disable(gl.STENCIL_TEST); gl.disable(gl.CULL_FACE);
    gl.enable(gl.BLEND); gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    const used = [];
    if (this.lines.n) {
      gl.useProgram(this.lineProg);
      gl.uniformMatrix4fv(gl.getUniformLocation(this.lineProg, 'u_matrix'), false, m);
      used.push(this.attrib(gl, this.lineProg, 'a_pos', this.buf.lpos, 2, gl.FLOAT, false),
        this.attrib(gl, this.lineProg, 'a_color', this.buf.lcolor, 4, gl.UNSIGNED_BYTE, true));
      gl.drawArrays(gl.LINES, 0, this.lines.n);
      used.forEach((loc) => loc >= 0 && gl.disableVertexAttribArray(loc));
      used.length = 0;
    }
    if (this.pts.n) {
      gl.useProgram(this.pointProg);
      gl.uniformMatrix4fv(gl.getUniformLocation(this.pointProg, 'u_matrix'), false, m);
      gl.uniform1f(gl.getUniformLocation(this.pointProg, 'u_dpr'), window.devicePixelRatio || 1);
      used.push(this.attrib(gl, this.pointProg, 'a_pos', this.buf.ppos, 2, gl.FLOAT, false),
        this.attrib(gl, this.pointProg, 'a_color', this.buf.pcolor, 4, gl.UNSIGNED_BYTE, true),
        this.attrib(gl, this.pointProg, 'a_style', this.buf.pstyle, 2, gl.FLOAT, false));
      gl.drawArrays(gl.POINTS, 0, this.pts.n);
      used.forEach((loc) => loc >= 0 && gl.disableVertexAttribArray(loc));
    }
    this.drawn = this.pts.n;
  }
}
