import{d as oe,u as se,a as ie,b as ae,e as ce,t as H,g as pe,h as ue,i as le,f as de,B as me,n as ye,K as fe,L as ge,M as we,N as he,O as be,P as ke,Q as Ie,R as xe,m as K,S as Oe,T as u}from"./app-U88XDo_8.js";const $e={class:"error-note",role:"alert"},_e=oe({__name:"ErrorNote",props:{error:{}},emits:["retry"],setup(e,{emit:i}){const f=e,k=i,{t:l}=se(),O=ye(()=>{const w=f.error;return w instanceof fe&&w.code==="FORBIDDEN"?l("errors.forbidden",{message:w.message}):w instanceof TypeError?l("errors.offline"):l("errors.generic",{message:w instanceof Error?w.message:String(w)})});return(w,_)=>{const R=me;return ie(),ae("div",$e,[ce("p",null,H(O.value),1),pe(R,{size:"small",plain:"",type:"primary",onClick:_[0]||(_[0]=z=>k("retry"))},{default:ue(()=>[le(H(de(l)("app.retry")),1)]),_:1})])}}});function Be(e,i="long"){return e?ge.global.d(new Date(e),i):"—"}function g(e){return e===null?"null":Array.isArray(e)?"array":typeof e}function E(e){return g(e)==="object"}function Ae(e){return Array.isArray(e)&&e.length>0&&e.every(i=>"message"in i)}function X(e,i){return e.length<124?e:i}const Ee="graphql-transport-ws";var h=(e=>(e[e.InternalServerError=4500]="InternalServerError",e[e.InternalClientError=4005]="InternalClientError",e[e.BadRequest=4400]="BadRequest",e[e.BadResponse=4004]="BadResponse",e[e.Unauthorized=4401]="Unauthorized",e[e.Forbidden=4403]="Forbidden",e[e.SubprotocolNotAcceptable=4406]="SubprotocolNotAcceptable",e[e.ConnectionInitialisationTimeout=4408]="ConnectionInitialisationTimeout",e[e.ConnectionAcknowledgementTimeout=4504]="ConnectionAcknowledgementTimeout",e[e.SubscriberAlreadyExists=4409]="SubscriberAlreadyExists",e[e.TooManyInitialisationRequests=4429]="TooManyInitialisationRequests",e))(h||{}),b=(e=>(e.ConnectionInit="connection_init",e.ConnectionAck="connection_ack",e.Ping="ping",e.Pong="pong",e.Subscribe="subscribe",e.Next="next",e.Error="error",e.Complete="complete",e))(b||{});function Z(e){if(!E(e))throw new Error(`Message is expected to be an object, but got ${g(e)}`);if(!e.type)throw new Error("Message is missing the 'type' property");if(typeof e.type!="string")throw new Error(`Message is expects the 'type' property to be a string, but got ${g(e.type)}`);switch(e.type){case"connection_init":case"connection_ack":case"ping":case"pong":{if(e.payload!=null&&!E(e.payload))throw new Error(`"${e.type}" message expects the 'payload' property to be an object or nullish or missing, but got "${e.payload}"`);break}case"subscribe":{if(typeof e.id!="string")throw new Error(`"${e.type}" message expects the 'id' property to be a string, but got ${g(e.id)}`);if(!e.id)throw new Error(`"${e.type}" message requires a non-empty 'id' property`);if(!E(e.payload))throw new Error(`"${e.type}" message expects the 'payload' property to be an object, but got ${g(e.payload)}`);if(typeof e.payload.query!="string")throw new Error(`"${e.type}" message payload expects the 'query' property to be a string, but got ${g(e.payload.query)}`);if(e.payload.variables!=null&&!E(e.payload.variables))throw new Error(`"${e.type}" message payload expects the 'variables' property to be a an object or nullish or missing, but got ${g(e.payload.variables)}`);if(e.payload.operationName!=null&&g(e.payload.operationName)!=="string")throw new Error(`"${e.type}" message payload expects the 'operationName' property to be a string or nullish or missing, but got ${g(e.payload.operationName)}`);if(e.payload.extensions!=null&&!E(e.payload.extensions))throw new Error(`"${e.type}" message payload expects the 'extensions' property to be a an object or nullish or missing, but got ${g(e.payload.extensions)}`);break}case"next":{if(typeof e.id!="string")throw new Error(`"${e.type}" message expects the 'id' property to be a string, but got ${g(e.id)}`);if(!e.id)throw new Error(`"${e.type}" message requires a non-empty 'id' property`);if(!E(e.payload))throw new Error(`"${e.type}" message expects the 'payload' property to be an object, but got ${g(e.payload)}`);break}case"error":{if(typeof e.id!="string")throw new Error(`"${e.type}" message expects the 'id' property to be a string, but got ${g(e.id)}`);if(!e.id)throw new Error(`"${e.type}" message requires a non-empty 'id' property`);if(!Ae(e.payload))throw new Error(`"${e.type}" message expects the 'payload' property to be an array of GraphQL errors, but got ${JSON.stringify(e.payload)}`);break}case"complete":{if(typeof e.id!="string")throw new Error(`"${e.type}" message expects the 'id' property to be a string, but got ${g(e.id)}`);if(!e.id)throw new Error(`"${e.type}" message requires a non-empty 'id' property`);break}default:throw new Error(`Invalid message 'type' property "${e.type}"`)}return e}function Se(e,i){return Z(typeof e=="string"?JSON.parse(e,i):e)}function P(e,i){return Z(e),JSON.stringify(e,i)}function We(e){const{url:i,connectionParams:f,lazy:k=!0,onNonLazyError:l=console.error,lazyCloseTimeout:O=0,keepAlive:w=0,disablePong:_,connectionAckWaitTimeout:R=0,retryAttempts:z=5,retryWait:v=async function(s){const t=Math.pow(2,s);await new Promise(o=>setTimeout(o,t*1e3+Math.floor(Math.random()*2700+300)))},shouldRetry:ee=j,on:d,webSocketImpl:D,generateID:te=function(){return"xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g,s=>{const t=Math.random()*16|0;return(s=="x"?t:t&3|8).toString(16)})},jsonMessageReplacer:B,jsonMessageReviver:re}=e;let S;if(D){if(!Re(D))throw new Error("Invalid WebSocket implementation provided");S=D}else typeof WebSocket<"u"?S=WebSocket:typeof global<"u"?S=global.WebSocket||global.MozWebSocket:typeof window<"u"&&(S=window.WebSocket||window.MozWebSocket);if(!S)throw new Error("WebSocket implementation missing; on Node you can `import WebSocket from 'ws';` and pass `webSocketImpl: WebSocket` to `createClient`");const $=S,m=(()=>{const r=(()=>{const t={};return{on(o,a){return t[o]=a,()=>{delete t[o]}},emit(o){"id"in o&&t[o.id]?.(o)}}})(),s={connecting:d?.connecting?[d.connecting]:[],opened:d?.opened?[d.opened]:[],connected:d?.connected?[d.connected]:[],ping:d?.ping?[d.ping]:[],pong:d?.pong?[d.pong]:[],message:d?.message?[r.emit,d.message]:[r.emit],closed:d?.closed?[d.closed]:[],error:d?.error?[d.error]:[]};return{onMessage:r.on,on(t,o){const a=s[t];return a.push(o),()=>{const c=a.indexOf(o);c>-1&&a.splice(c,1)}},emit(t,...o){for(const a of[...s[t]])a(...o)}}})();function L(r){const s=[m.on("error",t=>{s.forEach(o=>o()),r(t)}),m.on("closed",t=>{s.forEach(o=>o()),r(t)})];return()=>s.forEach(t=>t())}let A,x=0,F,T=!1,C=0,G=!1;async function U(){clearTimeout(F);const[r,s]=await(A??(A=new Promise((a,c)=>(async()=>{if(T){if(await v(C),!x)return A=void 0,c({code:1e3,reason:"All Subscriptions Gone"});C++}m.emit("connecting",T);const n=new $(typeof i=="function"?await i():i,Ee);let I,W;function M(){isFinite(w)&&w>0&&(clearTimeout(W),W=setTimeout(()=>{n.readyState===$.OPEN&&(n.send(P({type:b.Ping})),m.emit("ping",!1,void 0))},w))}L(y=>{A=void 0,clearTimeout(I),clearTimeout(W),c(y),y instanceof Y&&(n.close(4499,"Terminated"),n.onerror=null,n.onclose=null)}),n.onerror=y=>m.emit("error",y),n.onclose=y=>m.emit("closed",y),n.onopen=async()=>{try{m.emit("opened",n);const y=typeof f=="function"?await f():f;if(n.readyState!==$.OPEN)return;n.send(P(y?{type:b.ConnectionInit,payload:y}:{type:b.ConnectionInit},B)),isFinite(R)&&R>0&&(I=setTimeout(()=>{n.close(h.ConnectionAcknowledgementTimeout,"Connection acknowledgement timeout")},R)),M()}catch(y){m.emit("error",y),n.close(h.InternalClientError,X(y instanceof Error?y.message:String(y),"Internal client error"))}};let N=!1;n.onmessage=({data:y})=>{try{const p=Se(y,re);if(m.emit("message",p),p.type==="ping"||p.type==="pong"){m.emit(p.type,!0,p.payload),p.type==="pong"?M():_||(n.send(P(p.payload?{type:b.Pong,payload:p.payload}:{type:b.Pong},B)),m.emit("pong",!1,p.payload));return}if(N)return;if(p.type!==b.ConnectionAck)throw new Error(`First message cannot be of type ${p.type}`);clearTimeout(I),N=!0,m.emit("connected",n,p.payload,T),T=!1,C=0;const V=new Promise((Pe,ne)=>L(ne));V.catch(()=>{}),a([n,V])}catch(p){n.onmessage=null,m.emit("error",p),n.close(h.BadResponse,X(p instanceof Error?p.message:String(p),"Bad response"))}}})())));r.readyState===$.CLOSING&&await s;let t=()=>{};const o=new Promise(a=>t=a);return[r,t,new Promise((a,c)=>{const n=L(c);r.readyState!==$.OPEN&&s.catch(c),o.then(()=>{if(n(),!x){const I=()=>r.close(1e3,"Normal Closure");isFinite(O)&&O>0?(clearTimeout(F),F=setTimeout(()=>{!x&&r.readyState===$.OPEN&&I()},O)):I()}a()})})]}function Q(r){if(j(r)&&(Ne(r.code)||[h.InternalServerError,h.InternalClientError,h.BadRequest,h.BadResponse,h.Unauthorized,h.SubprotocolNotAcceptable,h.SubscriberAlreadyExists,h.TooManyInitialisationRequests].includes(r.code)))throw r;if(G)return!1;if(j(r)&&r.code===1e3)return x>0;if(!z||C>=z||!ee(r))throw r;return T=!0}k||(async()=>{for(x++;;)try{const[,,r]=await U();await r}catch(r){try{if(!Q(r))return}catch(s){return l?.(s)}}})();function J(r,s){const t=te(r);let o=!1,a=!1,c=()=>{x--,o=!0};return(async()=>{for(x++;;)try{const[n,I,W]=await U();if(o)return W.catch(()=>{}),I();const M=m.onMessage(t,N=>{switch(N.type){case b.Next:{s.next(N.payload);return}case b.Error:{a=!0,o=!0,s.error(N.payload),c();return}case b.Complete:{o=!0,c();return}}});n.send(P({id:t,type:b.Subscribe,payload:r},B)),c=()=>{!o&&n.readyState===$.OPEN&&n.send(P({id:t,type:b.Complete},B)),x--,o=!0,I()},await W.finally(M);return}catch(n){if(!Q(n))return}})().then(()=>{a||s.complete()}).catch(n=>{s.error(n)}),()=>{o||c()}}return{on:m.on,subscribe:J,iterate(r){const s=[],t={done:!1,error:null,resolve:()=>{}},o=J(r,{next(c){s.push(c),t.resolve()},error(c){t.done=!0,t.error=c,t.resolve()},complete(){t.done=!0,t.resolve()}}),a=(async function*(){for(;;){for(s.length||await new Promise(n=>t.resolve=n);s.length;)yield s.shift();if(t.error)throw t.error;if(t.done)return}})();return a.throw=async c=>(t.done||(t.done=!0,t.error=c,t.resolve()),{done:!0,value:void 0}),a.return=async()=>(o(),{done:!0,value:void 0}),a},async dispose(){if(G=!0,A){const[r]=await A;r.close(1e3,"Normal Closure")}},terminate(){A&&m.emit("closed",new Y)}}}class Y extends Error{name="TerminatedCloseEvent";message="4499: Terminated";code=4499;reason="Terminated";wasClean=!1}function j(e){return E(e)&&"code"in e&&"reason"in e}function Ne(e){return[1e3,1001,1006,1005,1012,1013,1014].includes(e)?!1:e>=1e3&&e<=1999}function Re(e){return typeof e=="function"&&"constructor"in e&&"CLOSED"in e&&"CLOSING"in e&&"CONNECTING"in e&&"OPEN"in e}let q=null;function Te(){return q||(q=We({url:he,lazy:!0,retryAttempts:1/0,shouldRetry:()=>!0,connectionParams:()=>({Authorization:`Bearer ${ke()??""}`}),on:{closed:e=>{e.code===4401&&be()}}})),q}Ie(()=>{q?.dispose(),q=null});function Ce(e,i,f,k){return Te().subscribe({query:we(e),variables:i??{}},{next:l=>l.data&&f(l.data),error:l=>k?.(l),complete:()=>{}})}function Me(e){const i=Oe(null),f=K(null),k=K(!1);async function l(){k.value=!0;try{i.value=await e(),f.value=null}catch(O){f.value=O}finally{k.value=!1}}return xe(l),{data:i,error:f,loading:k,reload:l}}const ze=u(`
  query OpsInbox($mine: Boolean!) {
    workItems(first: 100, open: true, mine: $mine) {
      totalCount
      edges {
        node {
          id
          title
          category
          source
          state
          dueAt
          overdue
          openedAt
          assigneeOrganisationName
          assigneeUsername
          building { id name }
        }
      }
    }
  }
`),De=u(`
  query OpsWorkItem($id: ID!) {
    workItem(id: $id) {
      id
      title
      category
      source
      state
      dueAt
      overdue
      closed
      openedAt
      outcome
      outcomeNote
      rating
      assigneeOrganisationName
      assigneeUsername
      building { name }
      unit { number }
      raisedBy { name }
      timeline { at actor action note fromState toState }
    }
  }
`),Le=u(`
  query OpsOrganisations {
    organisations(first: 100) { edges { node { id name kind } } }
  }
`),Fe=u(`
  mutation OpsDispatchWorkItem($input: AssignWorkItemInput!) {
    dispatchWorkItem(input: $input) { workItem { id state } errors { field message code } }
  }
`),je=u(`
  mutation OpsReassignWorkItem($input: AssignWorkItemInput!) {
    reassignWorkItem(input: $input) { workItem { id state } errors { field message code } }
  }
`),Ge=u(`
  mutation OpsAcceptWorkItem($input: WorkStepInput!) {
    acceptWorkItem(input: $input) { workItem { id state } errors { field message code } }
  }
`),Ue=u(`
  mutation OpsStartWorkItem($input: WorkStepInput!) {
    startWorkItem(input: $input) { workItem { id state } errors { field message code } }
  }
`),Qe=u(`
  mutation OpsResolveWorkItem($input: ResolveWorkItemInput!) {
    resolveWorkItem(input: $input) { workItem { id state } errors { field message code } }
  }
`),Je=u(`
  mutation OpsReturnWorkItem($input: WorkReasonInput!) {
    returnWorkItem(input: $input) { workItem { id state } errors { field message code } }
  }
`),Ve=u(`
  mutation OpsCloseWorkItem($input: WorkStepInput!) {
    closeWorkItem(input: $input) { workItem { id state } errors { field message code } }
  }
`),He=u(`
  subscription OpsWorkItemChanged($mine: Boolean!) {
    workItemChanged(mine: $mine) { change action workItem { id title state } }
  }
`),Ke=u(`
  query OpsAlarms {
    alarms(first: 100) {
      totalCount
      edges {
        node {
          id
          message
          type
          severity
          status
          raisedAt
          assignee
          device { deviceId name building { name } }
          households { vulnerable unit { number } }
        }
      }
    }
  }
`),Xe=u(`
  query OpsAlarm($id: ID!) {
    node(id: $id) {
      __typename
      ... on Alarm {
        id
        message
        type
        severity
        status
        value
        raisedAt
        acknowledgedAt
        acknowledgedBy
        clearedAt
        clearedBy
        outcome
        note
        assignee
        device { deviceId name building { name } }
        households { vulnerable careNeeds unit { number } residents { name } }
        comments { author text createdAt }
      }
    }
  }
`),Ye=u(`
  mutation OpsAcknowledgeAlarm($input: AcknowledgeAlarmInput!) {
    acknowledgeAlarm(input: $input) { alarm { id status } errors { field message code } }
  }
`),Ze=u(`
  mutation OpsClearAlarm($input: ClearAlarmInput!) {
    clearAlarm(input: $input) { alarm { id status outcome } errors { field message code } }
  }
`),ve=u(`
  mutation OpsCommentOnAlarm($input: CommentOnAlarmInput!) {
    commentOnAlarm(input: $input) { comment { author text createdAt } errors { field message code } }
  }
`),et=u(`
  subscription OpsAlarmChanged {
    alarmChanged { change alarm { id status severity message } }
  }
`),tt=(e,i)=>{const f=e.__vccOpts||e;for(const[k,l]of i)f[k]=l;return f};export{He as O,_e as _,ze as a,tt as b,Fe as c,Be as d,je as e,Ge as f,Ue as g,Qe as h,Je as i,Ve as j,Le as k,De as l,et as m,Ke as n,Ze as o,ve as p,Xe as q,Ye as r,Ce as s,Me as u};
