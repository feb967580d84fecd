import{d as k,g as b,u as h,c as i,a as c,w as r,C as B,F as E,r as x,b as e,e as L,o as l,f as N,h as R,j as T,t as _,i as D,k as O}from"./app-DRlGgNAK.js";import{T as w}from"./index-AVjo875t.js";import{d as f}from"./format-CL8j6s9v.js";import{u as V}from"./ErrorNote.vue_vue_type_script_setup_true_lang-JMLOdmHE.js";import{_ as q}from"./QueryPanel.vue_vue_type_script_setup_true_lang-BXQCZtw4.js";import"./preload-helper-C31mk7Ea.js";const F={class:"page resident-ballots"},P={key:0,class:"voted-mark"},z=k({__name:"BallotsPage",setup(S){const y=b(`
  query ResidentBallots {
    me {
      resident {
        id
        units {
          id
          ballots {
            ballot { id title status opensAt closesAt }
            vote { castAt }
          }
        }
      }
    }
  }
`),u={OPEN:0,CLOSED:1,DRAFT:2,CANCELLED:3},{t:o}=h(),{data:m,error:g,loading:v,reload:A}=V(()=>O(y)),p=L(()=>{const n=new Map;for(const a of m.value?.me.resident?.units??[])for(const s of a.ballots){const d=n.get(s.ballot.id);n.set(s.ballot.id,{...s.ballot,voted:!!(d?.voted||s.vote)})}return[...n.values()].sort((a,s)=>u[a.status]-u[s.status]||s.closesAt.localeCompare(a.closesAt))});return(n,a)=>{const s=w,d=R,C=B;return l(),i("main",F,[c(q,{loading:e(v),error:e(g),ready:e(m)!==null,empty:p.value.length===0,"empty-text":e(o)("resident.ballots.none"),onRetry:e(A)},{default:r(()=>[c(C,{inset:""},{default:r(()=>[(l(!0),i(E,null,x(p.value,t=>(l(),N(d,{key:t.id,title:t.title,label:e(o)("resident.ballots.period",{from:e(f)(t.opensAt,"date"),to:e(f)(t.closesAt,"date")}),to:{name:"resident-ballot",params:{id:t.id}},"is-link":"","data-ballot":t.id,"data-status":t.status},{value:r(()=>[c(s,{type:t.status==="OPEN"?"success":"default",plain:""},{default:r(()=>[T(_(e(o)(`resident.ballots.status.${t.status}`)),1)]),_:2},1032,["type"]),t.voted?(l(),i("span",P," ✓ "+_(e(o)("resident.ballots.myVote")),1)):D("",!0)]),_:2},1032,["title","label","to","data-ballot","data-status"]))),128))]),_:1})]),_:1},8,["loading","error","ready","empty","empty-text","onRetry"])])}}});export{z as default};
