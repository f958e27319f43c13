import{createRequire as __countersignRequire}from'node:module';const require=__countersignRequire(import.meta.url);
import{a as R,b as p,f as x,ga as F,h as T,i as D,j as b,w as O,x as L}from"./chunk-U4O5ED77.js";import{statSync as Ee}from"node:fs";var ge=new Set(["STEP_VERIFICATION_FAILED","STEP_REGISTRATION_FAILED","STEP_ROTATION_INCOMPLETE"]),s=class extends R{area="step";input;resumeKeyUrl;constructor(r,n,t={}){super(r,n,{cause:t.cause}),t.input!==void 0&&(this.input=t.input),t.resumeKeyUrl!==void 0&&(this.resumeKeyUrl=t.resumeKeyUrl)}};import{createHash as M}from"node:crypto";import{open as K,stat as H}from"node:fs/promises";import{availableParallelism as v}from"node:os";import{Worker as G}from"node:worker_threads";var g=2*1024*1024,j=128*1024*1024,W={EISDIR:"is a directory",EACCES:"permission denied",EPERM:"operation not permitted",ELOOP:"too many levels of symbolic links",EMFILE:"too many open files",ENFILE:"too many open files",EIO:"input/output error"};function B(e){return(e instanceof Error?e.message:String(e)).split(`
`,1)[0]??""}function h(e,r){if(r instanceof s)return r;let n=typeof r=="object"&&r!==null?r.code:void 0;if(n==="ENOENT"||n==="ENOTDIR")return new s("STEP_INPUT_NOT_FOUND",`no such file: ${e}`,{cause:r});let t=typeof n=="string"&&W[n]||B(typeof r=="object"&&r!==null&&"message"in r?r.message:r);return new s("STEP_INPUT_UNREADABLE",`cannot read ${e}: ${t}`,{cause:r})}var S=()=>[Buffer.allocUnsafe(g),Buffer.allocUnsafe(g)];async function P(e,r,n=S()){let t;try{t=await K(e,"r")}catch(i){throw h(e,i)}let o;try{if((await t.stat()).isDirectory())throw Object.assign(new Error("is a directory"),{code:"EISDIR"});let c=M(r.name),a=0,l=0;for(o=t.read(n[0],0,g,null);;){let{bytesRead:m,buffer:w}=await o;if(m===0)break;a+=m,l^=1,o=t.read(n[l],0,g,null),c.update(w.subarray(0,m))}return{digest:new Uint8Array(c.digest()),size:a}}catch(i){throw h(e,i)}finally{await o?.catch(()=>{}),await t.close()}}var U=[],q=4;async function I(e,r){T(r.name);let n=U.pop()??S();try{return(await P(e,r,n)).digest}finally{U.length<q&&U.push(n)}}async function Ne(e,r,n={}){T(r.name);let t=n.concurrency??Math.min(v(),8);if(!Number.isInteger(t)||t<1)throw new s("STEP_USAGE",`concurrency must be a positive integer, not ${String(t)}`,{input:"concurrency"});let o=Math.min(t,e.length);if(o>1&&await X(e)>=(n.minWorkerBytes??j))return J(e,r,o);let i=S(),c=[];for(let a of e)c.push({path:a,...await P(a,r,i)});return c}async function X(e){return(await Promise.all(e.map(n=>H(n).then(t=>t.size,()=>0)))).reduce((n,t)=>n+t,0)}var Y=`
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { open } = require('node:fs/promises');
const CHUNK = ${g};
const buffers = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];

async function hashFile(path, algorithm) {
  const handle = await open(path, 'r');
  let pending;
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    const hash = createHash(algorithm);
    let size = 0;
    let index = 0;
    pending = handle.read(buffers[0], 0, CHUNK, null);
    for (;;) {
      const { bytesRead, buffer } = await pending;
      if (bytesRead === 0) break;
      size += bytesRead;
      index ^= 1;
      pending = handle.read(buffers[index], 0, CHUNK, null);
      hash.update(buffer.subarray(0, bytesRead));
    }
    return { digest: new Uint8Array(hash.digest()), size };
  } finally {
    if (pending) await pending.catch(() => undefined);
    await handle.close();
  }
}

parentPort.on('message', ({ path, algorithm }) => {
  hashFile(path, algorithm).then(
    ({ digest, size }) => parentPort.postMessage({ digest, size }),
    (error) => parentPort.postMessage({ error: { code: error && error.code, message: String(error && error.message || error) } }),
  );
});
`;async function J(e,r,n){let t=new Array(e.length),o=[],i=0,c=e.length,a=!1;try{await new Promise((l,m)=>{let w=E=>{a||(a=!0,m(E))},_=(E,f)=>{t[E]=f,!(--c>0||a)&&(a=!0,l())};for(let E=1;E<n;E++){let f=new G(Y,{eval:!0,resourceLimits:{maxOldGenerationSizeMb:64}});o.push(f);let u=-1,y=()=>u>=0?e[u]:"files",A=()=>{a||i>=e.length||(u=i++,f.postMessage({path:e[u],algorithm:r.name}))};f.on("message",d=>{let $=y();if(d.error||!d.digest)return w(h($,d.error??"no digest from worker"));_(u,{path:$,digest:d.digest,size:d.size??0}),u=-1,A()}),f.on("error",d=>w(new s("STEP_INPUT_UNREADABLE",`cannot hash ${y()}: worker failed: ${B(d)}`,{cause:d}))),f.on("exit",d=>w(new s("STEP_INPUT_UNREADABLE",`cannot hash ${y()}: worker exited with code ${d}`))),A()}(async()=>{let E=S();for(;!a&&i<e.length;){let f=i++,u=e[f];try{_(f,{path:u,...await P(u,r,E)})}catch(y){w(h(u,y))}}})()})}finally{for(let l of o)l.terminate().catch(()=>{})}return t}import{constants as V,readFileSync as Z,statSync as Q}from"node:fs";import{randomBytes as ee}from"node:crypto";import{access as te,link as re,mkdir as ne,open as ie,readFile as oe,rename as se,rm as z,stat as ae,writeFile as ce}from"node:fs/promises";import{dirname as fe}from"node:path";async function ue(e,r,n=64*1024*1024){try{let t=await ae(e);if(t.isDirectory())throw new s("STEP_INPUT_UNREADABLE",`${r} ${e} is a directory`);if(t.size>n)throw new s("STEP_INPUT_UNREADABLE",`${r} ${e} is larger than ${n} bytes`);return new Uint8Array(await oe(e))}catch(t){throw k(t,e,r)}}function N(e,r,n=64*1024*1024){try{let t=Q(e);if(t.isDirectory())throw new s("STEP_INPUT_UNREADABLE",`${r} ${e} is a directory`);if(t.size>n)throw new s("STEP_INPUT_UNREADABLE",`${r} ${e} is larger than ${n} bytes`);return new Uint8Array(Z(e))}catch(t){throw k(t,e,r)}}async function be(e,r){return Buffer.from(await ue(e,r,16*1024*1024)).toString("utf8")}function k(e,r,n){if(e instanceof s)return e;let t=e?.code;return t==="ENOENT"||t==="ENOTDIR"?new s("STEP_INPUT_NOT_FOUND",`${n} not found: ${r}`):t==="EACCES"||t==="EPERM"?new s("STEP_INPUT_UNREADABLE",`${n} ${r} cannot be read: permission denied`):t==="EISDIR"?new s("STEP_INPUT_UNREADABLE",`${n} ${r} is a directory`):new s("STEP_INPUT_UNREADABLE",`${n} ${r} cannot be read${t?` (${t})`:""}`)}async function Oe(e){try{return await te(e,V.F_OK),!0}catch{return!1}}async function Le(e,r,n={}){let t;try{await ne(fe(e),{recursive:!0}),t=await de(e,r,n.mode??420),n.exclusive?await le(t,e,r,n.mode??420):await se(t,e)}catch(o){let i=o.code;throw i==="EEXIST"?new s("STEP_OUTPUT_EXISTS",`${e} already exists`):new s("STEP_OUTPUT_FAILED",`cannot write ${e}${i?` (${i})`:""}`)}finally{t&&await z(t,{force:!0}).catch(()=>{})}}async function de(e,r,n){let t=`${e}.${process.pid}-${ee(6).toString("hex")}.tmp`,o=await ie(t,"wx",n);try{await o.writeFile(r),await o.sync()}catch(i){throw await o.close(),await z(t,{force:!0}),i}return await o.close(),t}async function le(e,r,n,t){try{await re(e,r)}catch(o){let i=o.code;if(i!=="EPERM"&&i!=="ENOTSUP"&&i!=="ENOSYS")throw o;await ce(r,n,{mode:t,flag:"wx"})}}async function we(e,r){if("digest"in e.artifact)try{return b(e.artifact.digest)}catch(t){throw p(t)?new s("STEP_USAGE",`the digest: ${t.message}`,{input:"digest"}):t}let n=r?O(r.payload):x;return{algorithm:n,digest:await me(e.artifact.file,n)}}var C=1024*1024;async function me(e,r){let n;try{n=Ee(e).size}catch{return I(e,r)}return n<=C?D(r,N(e,"artifact",C)):I(e,r)}async function Ke(e,r,n,t){let o=N(e.statementPath,"statement",16777216),i;try{i=L(o)}catch(l){if(!p(l))throw l}let c=await we(e,i),a=F({statement:o,parsed:i,artifact:c,policy:r,allowUnlogged:n,now:t});return{artifact:"file"in e.artifact?e.artifact.file:e.artifact.digest,statementPath:e.statementPath,artifactDigest:`${c.algorithm.name}:${Buffer.from(c.digest).toString("hex")}`,verdict:a}}export{ge as a,s as b,Ne as c,ue as d,be as e,Oe as f,Le as g,Ke as h};
