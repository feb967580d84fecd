import{d as h,g as y,u as b,c as m,a as n,w as d,F as v,r as w,b as a,e as u,o as l,f as x,C,h as k,i as B}from"./app-HU-2YD0y.js";import{u as R,_ as q}from"./QueryPanel.vue_vue_type_script_setup_true_lang-BklaO6vc.js";import"./preload-helper-C31mk7Ea.js";const H={class:"page resident-homes"},L=h({__name:"HomesPage",setup($){const c=y(`
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
`),{t}=b(),{data:o,error:p,loading:_,reload:f}=R(()=>B(c)),r=u(()=>o.value?.me.resident??null),s=u(()=>r.value?.units??[]);return(E,F)=>{const i=k,g=C;return l(),m("main",H,[n(q,{loading:a(_),error:a(p),ready:a(o)!==null,empty:s.value.length===0,"empty-text":r.value?a(t)("resident.homes.none"):a(t)("resident.noRecord"),onRetry:a(f)},{default:d(()=>[(l(!0),m(v,null,w(s.value,e=>(l(),x(g,{key:e.id,inset:"",class:"home-card","data-unit":e.id},{default:d(()=>[n(i,{title:a(t)("resident.homes.unit",{building:e.building.name,number:e.number}),label:`${e.building.compound.community.name} · ${e.building.compound.name}`,"title-class":"home-title"},null,8,["title","label"]),n(i,{title:a(t)("resident.homes.area",{area:e.area}),value:[e.stairwell?a(t)("resident.homes.stairwell",{stairwell:e.stairwell}):"",e.floor!=null?a(t)("resident.homes.floor",{floor:e.floor}):""].filter(Boolean).join(" · ")},null,8,["title","value"])]),_:2},1032,["data-unit"]))),128))]),_:1},8,["loading","error","ready","empty","empty-text","onRetry"])])}}});export{L as default};
