import{d as h,g as y,u as b,c as m,a as o,w as d,F as v,r as w,b as a,e as u,o as n,f as x,C,h as k,i as B}from"./app-D5vym_k2.js";import{u as R}from"./ErrorNote.vue_vue_type_script_setup_true_lang-Dw9TNmyd.js";import{_ as q}from"./QueryPanel.vue_vue_type_script_setup_true_lang-ahXBIY4f.js";import"./preload-helper-C31mk7Ea.js";const H={class:"page resident-homes"},M=h({__name:"HomesPage",setup($){const c=y(`
  query ResidentHomes {
    me {
      resident {
        id
        name
        units {
          id
          number
          stairwell
          floor
          area
          building { id name compound { id name community { id name } } }
        }
      }
    }
  }
`),{t}=b(),{data:l,error:p,loading:_,reload:f}=R(()=>B(c)),r=u(()=>l.value?.me.resident??null),s=u(()=>r.value?.units??[]);return(E,F)=>{const i=k,g=C;return n(),m("main",H,[o(q,{loading:a(_),error:a(p),ready:a(l)!==null,empty:s.value.length===0,"empty-text":r.value?a(t)("resident.homes.none"):a(t)("resident.noRecord"),onRetry:a(f)},{default:d(()=>[(n(!0),m(v,null,w(s.value,e=>(n(),x(g,{key:e.id,inset:"",class:"home-card","data-unit":e.id},{default:d(()=>[o(i,{title:a(t)("resident.homes.unit",{building:e.building.name,number:e.number}),label:`${e.building.compound.community.name} · ${e.building.compound.name}`,"title-class":"home-title"},null,8,["title","label"]),o(i,{title:a(t)("resident.homes.area",{area:e.area}),value:[e.stairwell?a(t)("resident.homes.stairwell",{stairwell:e.stairwell}):"",e.floor!=null?a(t)("resident.homes.floor",{floor:e.floor}):""].filter(Boolean).join(" · ")},null,8,["title","value"])]),_:2},1032,["data-unit"]))),128))]),_:1},8,["loading","error","ready","empty","empty-text","onRetry"])])}}});export{M as default};
