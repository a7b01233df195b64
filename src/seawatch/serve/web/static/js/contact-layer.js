// The contacts, their heading vectors and trails, drawn in their own WebGL canvas over the map.
//
// Why not GeoJSON sources: `setData` of 5,000 features every second re-tiles them in MapLibre's worker
// (a whole core on a 2-core machine) and re-uploads every visible tile. Here an update fills three typed
// arrays in place (positions in Web Mercator relative to a fixed origin, so float32 keeps sub-pixel
// precision at zoom 16) and uploads them with one bufferData each; drawing is one gl.POINTS call (disc +
// ring drawn in the fragment shader) and one gl.LINES call. Nothing is re-tiled, nothing runs in a worker.
//
// Why a canvas of its own and not a MapLibre custom layer: a custom layer makes every contact update
// repaint the whole map (every land, sea and zone fill of every tile) — in software rendering (no GPU)
// that one repaint per second was the console's only long frame. Here the map repaints when the view
// moves; a contact update redraws only this canvas (and the labels). The map's camera is followed by an
// affine transform taken from map.project (the map does not pitch), redrawn in the map's own 'render'.

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

/** Web Mercator (0..1) back to [lon, lat]. */
function unmerc(x, y) {
  return [x * 360 - 180, (Math.atan(Math.exp((0.5 - y) * 2 * Math.PI)) * 360) / Math.PI - 90];
}

export class ContactLayer {
  /** map: the MapLibre map; canvas: the <canvas> over it; origin: [lon, lat] of the float32 origin. */
  constructor(map, canvas, origin) {
    this.map = map; this.canvas = canvas;
    this.ox = mercX(origin[0]); this.oy = mercY(origin[1]);
    this.pts = new Vertices({ pos: [Float32Array, 2], color: [Uint8Array, 4], style: [Float32Array, 2] });
    this.lines = new Vertices({ pos: [Float32Array, 2], color: [Uint8Array, 4] });
    this.dirty = true;
    this.drawn = 0;            // points drawn by the last draw (tests and the benchmark read it)
    this.frames = 0;           // draws so far
    this.onDraw = null;        // called after each draw (the labels)
    this.pending = 0;
    const gl = canvas.getContext('webgl', { alpha: true, premultipliedAlpha: true, antialias: false, depth: false,
      stencil: false, preserveDrawingBuffer: true });
    if (!gl) throw new Error('WebGL is not available for the contact layer');
    this.gl = gl;
    this.pointProg = program(gl, POINT_VS, POINT_FS);
    this.lineProg = program(gl, LINE_VS, LINE_FS);
    this.buf = { ppos: gl.createBuffer(), pcolor: gl.createBuffer(), pstyle: gl.createBuffer(),
      lpos: gl.createBuffer(), lcolor: gl.createBuffer() };
    map.on('render', () => this.draw());   // the view moved: follow it in the same frame
  }

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

  /** The update is filled: draw it at the next frame (this canvas only; the map is not repainted). */
  end() {
    this.dirty = true;
    if (!this.pending) this.pending = requestAnimationFrame(() => { this.pending = 0; this.draw(); });
  }

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

  /** Mercator offsets from the origin -> clip space, from three points the map projects (CSS px). */
  matrix(wCss, hCss) {
    const d = 1e-4, P = (x, y) => this.map.project(unmerc(x, y));
    const p0 = P(this.ox, this.oy), pu = P(this.ox + d, this.oy), pv = P(this.ox, this.oy + d);
    const ax = (pu.x - p0.x) / d, ay = (pu.y - p0.y) / d, bx = (pv.x - p0.x) / d, by = (pv.y - p0.y) / d;
    const m = new Float32Array(16);
    m[0] = (2 * ax) / wCss; m[1] = (-2 * ay) / hCss; m[4] = (2 * bx) / wCss; m[5] = (-2 * by) / hCss;
    m[10] = 1; m[12] = (2 * p0.x) / wCss - 1; m[13] = 1 - (2 * p0.y) / hCss; m[15] = 1;
    return m;
  }

  draw() {
    if (this.pending) { cancelAnimationFrame(this.pending); this.pending = 0; }
    const gl = this.gl, cv = this.canvas, src = this.map.getCanvas();
    if (cv.width !== src.width || cv.height !== src.height) { cv.width = src.width; cv.height = src.height; }
    const wCss = src.clientWidth || src.width, hCss = src.clientHeight || src.height;
    gl.viewport(0, 0, cv.width, cv.height);
    gl.clearColor(0, 0, 0, 0); gl.clear(gl.COLOR_BUFFER_BIT);
    if (this.dirty) this.upload(gl);
    const m = this.matrix(wCss, hCss);
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
    this.drawn = this.pts.n; this.frames++;
    if (this.onDraw) this.onDraw();
  }
}
