// Checks the Nomad job files of deploy/nomad where no `nomad` binary is at hand: each file is parsed
// with HashiCorp's HCL parser (the WebAssembly build in npm's @cdktf/hcl2json), then held to the
// jobspec rules these jobs rely on, and the PgBouncer settings of the platform job are compared with
// deploy/pgbouncer/pgbouncer.ini so the two cannot drift apart. Usage (from deploy/nomad/validate):
//   node check-jobs.cjs <hcl2json module dir> <repository root> <job files...>
'use strict';
const fs = require('fs');
const path = require('path');

const [moduleDir, root, ...files] = process.argv.slice(2);
const { parse } = require(path.join(moduleDir, 'node_modules', '@cdktf', 'hcl2json'));

const DRIVERS = {
  exec: (c) => c.command ? null : 'exec needs config.command',
  raw_exec: (c) => c.command ? null : 'raw_exec needs config.command',
  docker: (c) => c.image ? null : 'docker needs config.image',
  java: (c) => c.class || c.jar_path ? null : 'java needs config.class or config.jar_path',
};

const problems = [];
const fail = (file, where, what) => problems.push(`${path.basename(file)}: ${where}: ${what}`);
const one = (blocks) => (Array.isArray(blocks) ? blocks : [blocks])[0];
const list = (blocks) => (blocks === undefined ? [] : Array.isArray(blocks) ? blocks : [blocks]);
const labelled = (blocks) => Object.entries(blocks || {}).map(([label, bodies]) => [label, one(bodies)]);

function strings(value, out = []) {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => strings(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => strings(v, out));
  return out;
}

function checkJob(file, doc) {
  const declared = new Set(Object.keys(doc.variable || {}));
  for (const s of strings(doc)) {
    for (const m of s.matchAll(/var\.([A-Za-z_][A-Za-z0-9_]*)/g)) {
      if (!declared.has(m[1])) fail(file, 'variables', `var.${m[1]} is used but not declared`);
    }
    for (const m of s.matchAll(/file\("([^"]+)"\)/g)) {
      if (!fs.existsSync(path.join(root, m[1]))) fail(file, 'file()', `${m[1]} does not exist (jobs are submitted from the repository root)`);
    }
  }
  const jobs = labelled(doc.job);
  if (jobs.length !== 1) return fail(file, 'job', `expected one job block, found ${jobs.length}`);
  const [name, job] = jobs[0];
  if (!Array.isArray(job.datacenters) || job.datacenters.length === 0) fail(file, `job ${name}`, 'datacenters missing');
  if (!['service', 'system', 'batch', 'sysbatch'].includes(job.type)) fail(file, `job ${name}`, `type "${job.type}" is not a Nomad job type`);
  const groups = labelled(job.group);
  if (groups.length === 0) fail(file, `job ${name}`, 'no group');
  for (const [g, group] of groups) {
    const where = `group ${g}`;
    if (job.type === 'service' && group.count === undefined) fail(file, where, 'count missing');
    const ports = new Set();
    for (const net of list(group.network)) Object.keys(net.port || {}).forEach((p) => ports.add(p));
    const volumes = new Set(Object.keys(group.volume || {}));
    for (const svc of list(group.service)) {
      if (!svc.name) fail(file, where, 'a service without name');
      if (svc.port && !ports.has(svc.port)) fail(file, where, `service ${svc.name} uses port "${svc.port}", which the network does not define`);
      for (const check of list(svc.check)) {
        if (!check.type || !check.interval || !check.timeout) fail(file, where, `a check of ${svc.name} lacks type, interval or timeout`);
        if (check.type === 'http' && !check.path) fail(file, where, `the http check of ${svc.name} has no path`);
        if (check.port && !ports.has(check.port)) fail(file, where, `a check of ${svc.name} uses undefined port "${check.port}"`);
      }
    }
    const tasks = labelled(group.task);
    if (tasks.length === 0) fail(file, where, 'no task');
    for (const [t, task] of tasks) {
      const tw = `${where} task ${t}`;
      const driver = DRIVERS[task.driver];
      if (!driver) fail(file, tw, `driver "${task.driver}" is not one these jobs may use`);
      else {
        const problem = driver(one(task.config) || {});
        if (problem) fail(file, tw, problem);
      }
      const res = one(task.resources);
      if (!res || res.cpu === undefined || res.memory === undefined) fail(file, tw, 'resources need cpu and memory');
      for (const tpl of list(task.template)) {
        if (!tpl.destination) fail(file, tw, 'a template without destination');
        if (tpl.data === undefined && tpl.source === undefined) fail(file, tw, `template ${tpl.destination} has neither data nor source`);
        if (tpl.change_mode === 'script' && !one(tpl.change_script)) fail(file, tw, `template ${tpl.destination} has change_mode script but no change_script`);
        const data = typeof tpl.data === 'string' ? tpl.data : '';
        const opens = (data.match(/\{\{/g) || []).length;
        const closes = (data.match(/\}\}/g) || []).length;
        if (opens !== closes) fail(file, tw, `template ${tpl.destination} has unbalanced {{ }}`);
      }
      for (const vm of list(task.volume_mount)) {
        if (!volumes.has(vm.volume)) fail(file, tw, `volume_mount of "${vm.volume}", which the group does not declare`);
      }
      for (const s of strings(task)) {
        for (const m of s.matchAll(/NOMAD_(?:PORT|IP|ADDR|HOST_PORT)_([A-Za-z0-9_]+)/g)) {
          if (!ports.has(m[1])) fail(file, tw, `\${NOMAD_..._${m[1]}} names a port the group's network does not define`);
        }
        for (const m of s.matchAll(/env "NOMAD_PORT_([A-Za-z0-9_]+)"/g)) {
          if (!ports.has(m[1])) fail(file, tw, `env "NOMAD_PORT_${m[1]}" names a port the group's network does not define`);
        }
      }
    }
  }
  return { name, job };
}

// deploy/pgbouncer/pgbouncer.ini against the PgBouncer template of the platform job: every setting
// the file fixes must be in the template with the same value; every setting it leaves to the
// environment must at least be there.
function checkPgBouncerDrift(file, job) {
  const ini = fs.readFileSync(path.join(root, 'deploy', 'pgbouncer', 'pgbouncer.ini'), 'utf8');
  let template = null;
  for (const [, group] of labelled(job.group)) {
    for (const [, task] of labelled(group.task)) {
      for (const tpl of list(task.template)) {
        if (String(tpl.destination).endsWith('pgbouncer.ini')) template = String(tpl.data);
      }
    }
  }
  if (template === null) return fail(file, 'pgbouncer', 'no template for pgbouncer.ini');
  const settings = (text) => {
    const map = new Map();
    let section = '';
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (!line || line.startsWith(';') || line.startsWith('#')) continue;
      if (line.startsWith('[')) { section = line; continue; }
      if (section !== '[pgbouncer]') continue;
      const eq = line.indexOf('=');
      if (eq > 0) map.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
    }
    return map;
  };
  const reference = settings(ini);
  const deployed = settings(template);
  for (const [key, value] of reference) {
    if (!deployed.has(key)) fail(file, 'pgbouncer', `${key} is set in deploy/pgbouncer/pgbouncer.ini but not in the job's template`);
    else if (!value.includes('{$') && deployed.get(key) !== value) {
      fail(file, 'pgbouncer', `${key} = "${deployed.get(key)}" differs from deploy/pgbouncer/pgbouncer.ini's "${value}"`);
    }
  }
  if (deployed.get('pool_mode') !== 'transaction') fail(file, 'pgbouncer', 'pool_mode must be transaction');
}

(async () => {
  for (const file of files) {
    let doc;
    try {
      doc = await parse(file, fs.readFileSync(file, 'utf8'));
    } catch (e) {
      fail(file, 'HCL', String(e && e.message ? e.message : e));
      continue;
    }
    const checked = checkJob(file, doc);
    if (checked && path.basename(file) === 'platform.nomad.hcl') checkPgBouncerDrift(file, checked.job);
    if (!problems.some((p) => p.startsWith(path.basename(file)))) console.log(`ok ${path.relative(root, file)} (job ${checked.name})`);
  }
  if (problems.length) {
    problems.forEach((p) => console.error(`FAIL ${p}`));
    process.exit(1);
  }
})();
