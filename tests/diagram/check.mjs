#!/usr/bin/env node
// Validates gatehouse flow diagrams with tools that share no code with the
// exporters (src/trace): Mermaid files are parsed and rendered by npm's
// mermaid inside Debian's Chromium; PlantUML files by Debian's plantuml
// CLI (whose error image comes with exit status 0, so its text is read);
// SVG files are parsed as XML, checked for standalone-ness and rendered in
// Chromium, where no two texts may overlap; draw.io files are parsed as
// XML, checked for UML lifelines and message edges, then decoded by
// mxGraph's own codec in Chromium, which must place every edge end on its
// lifeline at the row the file gives. Screenshots of each rendering go to
// the output directory for a human to look at.
//
//   node check.mjs [--out DIR] FILE...   (.mmd .puml .svg .drawio)
//   node check.mjs                       (the golden files in tests/golden)
//
// Prints one line per check and "diagram: N passed, N failed"; exits 1 on
// any failure. Never downloads a browser: Chromium is /usr/bin/chromium.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { DOMParser } from '@xmldom/xmldom';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const PARTICIPANTS = ['Browser', 'Frontend App', 'Authorization Server', 'Resource API'];
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
  '--no-first-run', '--disable-background-networking', '--disable-component-update',
  '--disable-sync'];

let passed = 0;
let failed = 0;

function report(ok, file, what, detail) {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what} ${file}${detail ? ': ' + detail : ''}`);
}

class CheckError extends Error {}
function expect(cond, msg) {
  if (!cond) throw new CheckError(msg);
}

async function check(file, what, fn) {
  try {
    const detail = await fn();
    report(true, file, what, detail);
  } catch (e) {
    report(false, file, what, e instanceof CheckError ? e.message : e.stack || String(e));
  }
}

function parseXml(text) {
  const errors = [];
  let doc;
  try {
    doc = new DOMParser({
      onError: (level, msg) => { if (level !== 'warning') errors.push(`${level}: ${msg}`); },
    }).parseFromString(text, 'text/xml');
  } catch (e) {
    errors.push(String(e.message || e));
  }
  expect(errors.length === 0, `not well-formed XML: ${errors.join('; ')}`);
  return doc;
}

function elements(node, name) {
  return Array.from(node.getElementsByTagName(name));
}

// Mermaid ----------------------------------------------------------------

const NAMED = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'", nbsp: '\u00a0' };

// The text lines Mermaid should draw for a statement's text: <br/> splits
// lines, #59; and #lt; are entity codes.
function mermaidLines(text) {
  return text.split(/<br\s*\/?>/i).map((l) => l.replace(/#(\w+);/g, (m, name) =>
    /^\d+$/.test(name) ? String.fromCodePoint(Number(name)) : NAMED[name] ?? m))
    .map((l) => l.replace(/\s+/g, ' ').trim());
}

async function checkMermaid(page, file, text, out) {
  const want = { msgs: [], notes: [], arrows: 0 };
  for (const line of text.split('\n')) {
    const m = /^\s*(?:\w+(?:-->>|->>)\w+|(Note) over [\w,]+)\s*:(.*)$/.exec(line);
    if (!m) continue;
    if (m[1]) want.notes.push(...mermaidLines(m[2]));
    else {
      want.arrows++;
      want.msgs.push(...mermaidLines(m[2]));
    }
  }
  const r = await page.evaluate(async (src) => {
    mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
    try {
      const parsed = await mermaid.parse(src);
      if (!parsed || parsed.diagramType !== 'sequence') return { err: `type ${parsed && parsed.diagramType}` };
    } catch (e) {
      return { err: 'mermaid.parse: ' + (e.message || e) };
    }
    let svg;
    try {
      ({ svg } = await mermaid.render('gh' + Math.floor(Math.random() * 1e9), src));
    } catch (e) {
      return { err: 'mermaid.render: ' + (e.message || e) };
    }
    const host = document.getElementById('host');
    host.innerHTML = svg;
    const el = host.querySelector('svg');
    // mermaid sizes its SVG to the container; show it at its natural size
    el.style.maxWidth = 'none';
    el.style.width = el.viewBox.baseVal.width + 'px';
    el.style.height = el.viewBox.baseVal.height + 'px';
    const norm = (t) => t.textContent.replace(/\s+/g, ' ').trim();
    const handlers = Array.from(el.querySelectorAll('*')).filter((n) =>
      Array.from(n.attributes).some((a) => /^on/i.test(a.name))).length;
    const actors = [];
    for (const t of el.querySelectorAll('text.actor')) {
      const name = norm(t);
      if (!actors.some((a) => a.name === name)) actors.push({ name, x: t.getBBox().x });
    }
    actors.sort((a, b) => a.x - b.x);
    return {
      actors: actors.map((a) => a.name),
      texts: Array.from(el.querySelectorAll('text')).map(norm),
      msgs: Array.from(el.querySelectorAll('.messageText')).map(norm),
      notes: Array.from(el.querySelectorAll('.noteText')).map(norm),
      arrows: el.querySelectorAll('[class*="messageLine"]').length,
      scripts: el.querySelectorAll('script').length,
      handlers,
      width: Math.ceil(el.getBoundingClientRect().width),
      height: Math.ceil(el.getBoundingClientRect().height),
    };
  }, text);
  expect(!r.err, r.err);
  expect(JSON.stringify(r.actors) === JSON.stringify(PARTICIPANTS),
    `participants left to right: ${r.actors.join(', ')}`);
  expect(r.scripts === 0 && r.handlers === 0, 'rendered SVG holds a script or event handler');
  // a message whose text broke out of its line would change these
  expect(r.arrows === want.arrows, `rendered ${r.arrows} arrows, source has ${want.arrows}`);
  const diff = (a, b) => a.findIndex((x, i) => x !== b[i]);
  let k = diff(want.msgs, r.msgs);
  expect(k < 0 && r.msgs.length === want.msgs.length,
    `message line ${k}: rendered '${r.msgs[k]}', source says '${want.msgs[k]}'`);
  k = diff(want.notes, r.notes);
  expect(k < 0 && r.notes.length === want.notes.length,
    `note line ${k}: rendered '${r.notes[k]}', source says '${want.notes[k]}'`);
  const png = join(out, basename(file) + '.mermaid.png');
  await page.setViewportSize({ width: Math.min(Math.max(r.width + 40, 400), 4000),
    height: Math.min(r.height + 40, 8000) });
  await page.locator('#host svg').screenshot({ path: png });
  return `${r.arrows} arrows, ${r.msgs.length} message lines, ${r.notes.length} note lines ` +
    `rendered as written -> ${png}`;
}

// PlantUML ---------------------------------------------------------------

function plantuml(args, input) {
  return spawnSync('plantuml', args, { input, encoding: 'utf8', timeout: 120000 });
}

async function checkPlantuml(page, file, text, out) {
  const syntax = plantuml(['-charset', 'UTF-8', '-syntax'], text);
  expect(syntax.status === 0, `plantuml -syntax exit ${syntax.status}: ${syntax.stderr}`);
  const kind = syntax.stdout.split('\n')[0].trim();
  expect(kind === 'SEQUENCE', `plantuml -syntax says '${syntax.stdout.trim().slice(0, 200)}'`);
  const r = plantuml(['-charset', 'UTF-8', '-tsvg', '-pipe'], text);
  expect(r.status === 0, `plantuml exit ${r.status}: ${r.stderr.slice(0, 300)}`);
  const svg = r.stdout;
  // PlantUML reports errors as an image and may still exit 0
  for (const bad of ['Syntax Error', 'An error has occured', 'Cannot decode',
    'java.lang.', 'Dot executable', 'cannot parse result']) {
    expect(!svg.includes(bad), `plantuml drew an error image ('${bad}')`);
  }
  const doc = parseXml(svg);
  const texts = elements(doc, 'text').map((t) => t.textContent);
  const xs = PARTICIPANTS.map((p) => {
    const t = elements(doc, 'text').find((e) => e.textContent === p);
    expect(t, `participant '${p}' not drawn`);
    return Number(t.getAttribute('x'));
  });
  expect(xs.every((x, i) => i === 0 || x > xs[i - 1]), 'participants not left to right');
  const svgPath = join(out, basename(file) + '.plantuml.svg');
  writeFileSync(svgPath, svg);
  await page.goto(pathToFileURL(svgPath).href);
  const size = await page.evaluate(() => {
    const b = document.documentElement.getBoundingClientRect();
    return { w: Math.ceil(b.width), h: Math.ceil(b.height) };
  });
  await page.setViewportSize({ width: Math.min(Math.max(size.w, 200), 4000), height: Math.min(Math.max(size.h, 200), 8000) });
  const png = join(out, basename(file) + '.plantuml.png');
  await page.screenshot({ path: png });
  return `${texts.length} texts drawn -> ${png}`;
}

// SVG --------------------------------------------------------------------

function checkSvgStatic(text) {
  const doc = parseXml(text);
  const svg = doc.documentElement;
  expect(svg.localName === 'svg', `root is <${svg.localName}>`);
  expect(svg.getAttribute('xmlns') === 'http://www.w3.org/2000/svg', 'missing SVG xmlns');
  const vb = (svg.getAttribute('viewBox') || '').trim().split(/[\s,]+/).map(Number);
  expect(vb.length === 4 && vb.every(Number.isFinite) && vb[2] > 0 && vb[3] > 0, 'bad viewBox');
  expect(Number(svg.getAttribute('width')) > 0 && Number(svg.getAttribute('height')) > 0,
    'width/height missing');
  for (const tag of ['script', 'foreignObject', 'image', 'iframe', 'a']) {
    expect(elements(doc, tag).length === 0, `holds <${tag}>`);
  }
  const ids = new Set();
  for (const el of elements(doc, '*')) {
    for (const a of Array.from(el.attributes)) {
      expect(!/^on/i.test(a.name), `event handler ${a.name}`);
      if (/href$/i.test(a.name)) expect(a.value.startsWith('#'), `external ${a.name}=${a.value}`);
      const url = /url\(\s*['"]?([^'")]*)/.exec(a.value);
      if (url) expect(url[1].startsWith('#'), `external url(${url[1]})`);
    }
    if (el.getAttribute('id')) ids.add(el.getAttribute('id'));
  }
  for (const el of elements(doc, '*')) {
    const m = /url\(#([^)]+)\)/.exec(el.getAttribute('marker-end') || '');
    if (m) expect(ids.has(m[1]), `marker #${m[1]} not defined`);
  }
  const css = elements(doc, 'style').map((s) => s.textContent).join('\n');
  expect(!/@import|url\(\s*['"]?(?!#)/.test(css), 'stylesheet loads something');
  const sizes = [...css.matchAll(/font-size:\s*([\d.]+)px/g)].map((m) => Number(m[1]));
  for (const el of elements(doc, '*')) {
    if (el.getAttribute('font-size')) sizes.push(Number(el.getAttribute('font-size')));
  }
  expect(sizes.length > 0 && sizes.every((s) => s >= 12 && s <= 14), `font sizes ${sizes}`);
  expect(/sans-serif/.test(css + text.slice(0, 2000)), 'no sans-serif font');
  const texts = elements(doc, 'text').map((t) => t.textContent);
  for (const p of PARTICIPANTS) {
    expect(texts.filter((t) => t === p).length >= 1, `participant '${p}' missing`);
  }
  expect(elements(doc, 'marker').length > 0, 'no arrowhead <marker>');
  return { texts: texts.length, markers: elements(doc, 'marker').length };
}

async function checkSvgRender(page, file, out) {
  await page.goto(pathToFileURL(resolve(file)).href);
  const r = await page.evaluate(() => {
    const svg = document.documentElement;
    const vb = svg.viewBox.baseVal;
    const boxes = Array.from(svg.querySelectorAll('text')).map((t) => {
      const b = t.getBBox();
      return { x: b.x, y: b.y, w: b.width, h: b.height, s: t.textContent };
    });
    const overlaps = [];
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i], b = boxes[j];
        const ox = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
        const oy = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
        if (ox > 1 && oy > 1 && a.w > 0 && b.w > 0) overlaps.push(`'${a.s}' / '${b.s}'`);
      }
    }
    const outside = boxes.filter((b) => b.w > 0 && (b.x < vb.x || b.y < vb.y ||
      b.x + b.w > vb.x + vb.width || b.y + b.h > vb.y + vb.height)).map((b) => b.s);
    const fonts = Array.from(svg.querySelectorAll('text')).map((t) => parseFloat(getComputedStyle(t).fontSize));
    return { w: vb.width, h: vb.height, n: boxes.length, overlaps, outside,
      minFont: Math.min(...fonts), maxFont: Math.max(...fonts) };
  });
  expect(r.overlaps.length === 0, `texts overlap: ${r.overlaps.slice(0, 5).join(', ')}`);
  expect(r.outside.length === 0, `texts outside the viewBox: ${r.outside.slice(0, 5).join(', ')}`);
  expect(r.minFont >= 12 && r.maxFont <= 14, `rendered font sizes ${r.minFont}..${r.maxFont}px`);
  await page.setViewportSize({ width: Math.min(Math.ceil(r.w), 4000), height: Math.min(Math.ceil(r.h), 8000) });
  const png = join(out, basename(file) + '.png');
  await page.screenshot({ path: png });
  return `${r.n} texts, none overlapping, ${r.w}x${r.h} -> ${png}`;
}

// draw.io ----------------------------------------------------------------

function styleOf(cell) {
  const map = {};
  for (const kv of (cell.getAttribute('style') || '').split(';')) {
    const i = kv.indexOf('=');
    if (i > 0) map[kv.slice(0, i)] = kv.slice(i + 1);
    else if (kv) map[kv] = '1';
  }
  return map;
}

function stripHtml(s) {
  return s.replace(/<[^>]*>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

function checkDrawioStatic(text) {
  const doc = parseXml(text);
  const root = doc.documentElement;
  expect(root.tagName === 'mxfile', `root is <${root.tagName}>`);
  const diagram = elements(root, 'diagram')[0];
  expect(diagram, 'no <diagram>');
  const model = elements(diagram, 'mxGraphModel')[0];
  expect(model, 'no uncompressed <mxGraphModel> in <diagram>');
  const cells = elements(elements(model, 'root')[0], 'mxCell');
  const byId = new Map();
  for (const c of cells) {
    const id = c.getAttribute('id');
    expect(id && !byId.has(id), `cell id '${id}' missing or repeated`);
    byId.set(id, c);
  }
  expect(byId.has('0') && byId.get('1')?.getAttribute('parent') === '0', 'no cells 0 and 1');
  for (const c of cells) {
    const p = c.getAttribute('parent');
    expect(c.getAttribute('id') === '0' || byId.has(p), `cell ${c.getAttribute('id')}: no parent ${p}`);
  }
  const geo = (c) => elements(c, 'mxGeometry')[0];
  const lifelines = cells.filter((c) => styleOf(c).shape === 'umlLifeline');
  expect(lifelines.length === 4, `${lifelines.length} lifeline cells, want 4`);
  for (const l of lifelines) {
    expect(styleOf(l).perimeter === 'lifelinePerimeter', 'lifeline without lifelinePerimeter');
    expect(l.getAttribute('vertex') === '1', 'lifeline is not a vertex');
  }
  const lx = lifelines.map((l) => Number(geo(l).getAttribute('x')) + Number(geo(l).getAttribute('width')) / 2);
  const names = lifelines.map((l) => stripHtml(l.getAttribute('value')));
  expect(JSON.stringify(names) === JSON.stringify(PARTICIPANTS), `lifelines ${names}`);
  expect(lx.every((x, i) => i === 0 || x > lx[i - 1]), 'lifelines not left to right');
  const lifeIds = lifelines.map((l) => l.getAttribute('id'));
  const bottom = Math.min(...lifelines.map((l) => Number(geo(l).getAttribute('y')) + Number(geo(l).getAttribute('height'))));
  const edges = cells.filter((c) => c.getAttribute('edge') === '1');
  expect(edges.length > 0, 'no message edges');
  let lastY = -Infinity;
  const expected = [];
  for (const e of edges) {
    const id = e.getAttribute('id');
    const s = lifeIds.indexOf(e.getAttribute('source'));
    const t = lifeIds.indexOf(e.getAttribute('target'));
    expect(s >= 0 && t >= 0, `edge ${id}: source/target not lifelines`);
    const pts = Object.fromEntries(elements(geo(e), 'mxPoint').filter((p) => p.getAttribute('as'))
      .map((p) => [p.getAttribute('as'), { x: Number(p.getAttribute('x')), y: Number(p.getAttribute('y')) }]));
    expect(pts.sourcePoint && pts.targetPoint, `edge ${id}: no sourcePoint/targetPoint`);
    expect(Math.abs(pts.sourcePoint.x - lx[s]) < 1 && Math.abs(pts.targetPoint.x - lx[t]) < 1,
      `edge ${id}: points not on its lifelines`);
    expect(pts.sourcePoint.y >= lastY && pts.sourcePoint.y < bottom, `edge ${id}: rows out of order`);
    lastY = pts.sourcePoint.y;
    const st = styleOf(e);
    expect(st.endArrow === 'block' || (st.endArrow === 'open' && st.dashed === '1'),
      `edge ${id}: endArrow=${st.endArrow} dashed=${st.dashed}`);
    expected.push({ id, s: pts.sourcePoint, t: pts.targetPoint });
  }
  const notes = cells.filter((c) => styleOf(c).shape === 'note').length;
  const frames = cells.filter((c) => styleOf(c).shape === 'umlFrame').length;
  return { expected, edges: edges.length, notes, frames };
}

// Stand-ins for the draw.io shapes mxGraph itself lacks, following
// draw.io's own definitions: a lifeline is a header box over a dashed line
// (label in the header) whose perimeter is the point on the line at the
// height of the point it aims for; a UML frame has its label in a corner
// tab; a note has a folded corner. Default styles as draw.io's.
const MXGRAPH_SETUP = `
function GhLifeline() { mxRectangleShape.call(this); }
mxUtils.extend(GhLifeline, mxRectangleShape);
GhLifeline.prototype.head = function (h) {
  return Math.min(h, parseFloat(mxUtils.getValue(this.style, 'size', 40)));
};
GhLifeline.prototype.getLabelBounds = function (r) {
  return new mxRectangle(r.x, r.y, r.width, this.head(r.height / this.scale) * this.scale);
};
GhLifeline.prototype.paintBackground = function (c, x, y, w, h) {
  var s = this.head(h);
  mxRectangleShape.prototype.paintBackground.call(this, c, x, y, w, s);
  c.setDashed(true); c.begin(); c.moveTo(x + w / 2, y + s); c.lineTo(x + w / 2, y + h); c.end(); c.stroke();
};
GhLifeline.prototype.paintForeground = function (c, x, y, w, h) {
  mxRectangleShape.prototype.paintForeground.call(this, c, x, y, w, this.head(h));
};
mxCellRenderer.registerShape('umlLifeline', GhLifeline);
mxStyleRegistry.putValue('lifelinePerimeter', function (bounds, vertex, next) {
  var size = parseFloat(mxUtils.getValue(vertex.style, 'size', 40)) * vertex.view.scale;
  return new mxPoint(bounds.getCenterX(), Math.min(bounds.y + bounds.height, Math.max(bounds.y + size, next.y)));
});

function GhFrame() { mxShape.call(this); }
mxUtils.extend(GhFrame, mxShape);
GhFrame.prototype.tab = function (w, h) {
  return [Math.min(w, parseFloat(mxUtils.getValue(this.style, 'width', 60))),
          Math.min(h, parseFloat(mxUtils.getValue(this.style, 'height', 30)))];
};
GhFrame.prototype.getLabelBounds = function (r) {
  var t = this.tab(r.width / this.scale, r.height / this.scale);
  return new mxRectangle(r.x, r.y, t[0] * this.scale, t[1] * this.scale);
};
GhFrame.prototype.paintVertexShape = function (c, x, y, w, h) {
  var t = this.tab(w, h), bg = mxUtils.getValue(this.style, 'swimlaneFillColor', 'none');
  if (bg != 'none') { c.setFillColor(bg); c.rect(x, y, w, h); c.fill(); }
  c.setFillColor(this.fill);
  c.begin(); c.moveTo(x, y); c.lineTo(x + t[0], y); c.lineTo(x + t[0], y + t[1] - 6);
  c.lineTo(x + t[0] - 6, y + t[1]); c.lineTo(x, y + t[1]); c.close(); c.fillAndStroke();
  c.begin(); c.moveTo(x + t[0], y); c.lineTo(x + w, y); c.lineTo(x + w, y + h);
  c.lineTo(x, y + h); c.lineTo(x, y + t[1]); c.stroke();
};
mxCellRenderer.registerShape('umlFrame', GhFrame);

function GhNote() { mxCylinder.call(this); }
mxUtils.extend(GhNote, mxCylinder);
GhNote.prototype.redrawPath = function (path, x, y, w, h, fg) {
  var s = Math.min(w, h, parseFloat(mxUtils.getValue(this.style, 'size', 30)));
  if (fg) { path.moveTo(w - s, 0); path.lineTo(w - s, s); path.lineTo(w, s); path.end(); }
  else { path.moveTo(0, 0); path.lineTo(w - s, 0); path.lineTo(w, s); path.lineTo(w, h);
         path.lineTo(0, h); path.close(); path.end(); }
};
mxCellRenderer.registerShape('note', GhNote);

function ghStyles(graph) {
  var ss = graph.getStylesheet(), v = ss.getDefaultVertexStyle(), e = ss.getDefaultEdgeStyle();
  v.fillColor = '#ffffff'; v.strokeColor = '#000000'; v.fontColor = '#000000';
  v.fontFamily = 'Helvetica'; v.fontSize = 12;
  e.strokeColor = '#000000'; e.fontColor = '#000000'; e.fontFamily = 'Helvetica'; e.fontSize = 11;
  e.endArrow = 'classic';
  ss.putCellStyle('text', { fillColor: 'none', strokeColor: 'none' });
}
`;

async function checkDrawioRender(page, file, text, stat, out) {
  const r = await page.evaluate(({ xml, expected }) => {
    const doc = mxUtils.parseXml(xml);
    const node = doc.getElementsByTagName('mxGraphModel')[0];
    const host = document.getElementById('host');
    host.innerHTML = '';
    const graph = new mxGraph(host);
    graph.setHtmlLabels(true);
    ghStyles(graph);
    new mxCodec(node.ownerDocument).decode(node, graph.getModel());
    const model = graph.getModel();
    const bad = [];
    for (const e of expected) {
      const cell = model.getCell(e.id);
      const state = cell && graph.view.getState(cell);
      if (!state || !state.absolutePoints || state.absolutePoints.length < 2) {
        bad.push(`${e.id}: not drawn`);
        continue;
      }
      const p = state.absolutePoints;
      const a = p[0], b = p[p.length - 1];
      if (Math.abs(a.x - e.s.x) > 1.5 || Math.abs(a.y - e.s.y) > 1.5 ||
          Math.abs(b.x - e.t.x) > 1.5 || Math.abs(b.y - e.t.y) > 1.5)
        bad.push(`${e.id}: drawn ${a.x},${a.y}->${b.x},${b.y}, file says ${e.s.x},${e.s.y}->${e.t.x},${e.t.y}`);
    }
    const b = graph.getGraphBounds();
    return { cells: Object.keys(model.cells).length, bad, w: Math.ceil(b.x + b.width + 20), h: Math.ceil(b.y + b.height + 20) };
  }, { xml: text, expected: stat.expected });
  expect(r.bad.length === 0, `mxGraph placed edges elsewhere: ${r.bad.slice(0, 4).join('; ')}`);
  await page.setViewportSize({ width: Math.min(r.w, 4000), height: Math.min(r.h, 8000) });
  const png = join(out, basename(file) + '.mxgraph.png');
  await page.screenshot({ path: png });
  return `mxCodec decoded ${r.cells} cells, ${stat.edges} edges on their rows -> ${png}`;
}

// main -------------------------------------------------------------------

async function newPage(browser, scripts) {
  const page = await browser.newPage();
  await page.goto('about:blank');
  await page.setContent('<!doctype html><html><body style="margin:0;background:#fff">' +
    '<div id="host" style="display:inline-block;padding:10px"></div></body></html>');
  for (const s of scripts) await page.addScriptTag(s);
  return page;
}

function parseArgs(argv) {
  let out = resolve(here, '../../build/diagram');
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') out = resolve(argv[++i]);
    else files.push(argv[i]);
  }
  if (files.length === 0) {
    const golden = resolve(here, '../golden');
    for (const f of readdirSync(golden).sort()) files.push(join(golden, f));
  }
  return { out, files };
}

async function main() {
  const { out, files } = parseArgs(process.argv.slice(2));
  mkdirSync(out, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const mermaidPage = await newPage(browser, [{ path: require.resolve('mermaid/dist/mermaid.min.js') }]);
  const mxPage = await newPage(browser, [
    { content: "var mxLoadResources = false, mxLoadStylesheets = false, mxBasePath = '.';" },
    { path: require.resolve('mxgraph/javascript/mxClient.min.js') },
    { content: MXGRAPH_SETUP },
  ]);
  const filePage = await browser.newPage();
  try {
    for (const file of files) {
      if (!existsSync(file)) {
        report(false, file, 'file', 'no such file');
        continue;
      }
      const text = readFileSync(file, 'utf8');
      const ext = extname(file).toLowerCase();
      if (ext === '.mmd' || ext === '.mermaid') {
        await check(file, 'mermaid', () => checkMermaid(mermaidPage, file, text, out));
      } else if (ext === '.puml' || ext === '.plantuml') {
        await check(file, 'plantuml', () => checkPlantuml(filePage, file, text, out));
      } else if (ext === '.svg') {
        await check(file, 'svg-xml', () => {
          const s = checkSvgStatic(text);
          return `${s.texts} texts, ${s.markers} markers, standalone`;
        });
        await check(file, 'svg-render', () => checkSvgRender(filePage, file, out));
      } else if (ext === '.drawio' || ext === '.xml') {
        let stat;
        await check(file, 'drawio-xml', () => {
          stat = checkDrawioStatic(text);
          return `4 lifelines, ${stat.edges} edges in order, ${stat.notes} notes, ${stat.frames} frames`;
        });
        if (stat) await check(file, 'drawio-mxgraph', () => checkDrawioRender(mxPage, file, text, stat, out));
      } else {
        report(false, file, 'file', `unknown extension '${ext}'`);
      }
    }
  } finally {
    await browser.close();
  }
  console.log(`diagram: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  console.log(`diagram: ${passed} passed, ${failed + 1} failed`);
  process.exit(1);
});
