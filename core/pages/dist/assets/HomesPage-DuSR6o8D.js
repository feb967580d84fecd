import{d as B,g as R,u as q,c as u,a as i,w as s,F as g,r as f,b as e,e as v,o as l,f as r,C as N,h as T,i as m,j as c,t as h,k as V}from"./app-DRlGgNAK.js";import{T as $}from"./index-AVjo875t.js";import{u as j}from"./ErrorNote.vue_vue_type_script_setup_true_lang-JMLOdmHE.js";import{_ as E}from"./QueryPanel.vue_vue_type_script_setup_true_lang-BXQCZtw4.js";import"./preload-helper-C31mk7Ea.js";const F={class:"page resident-homes"},P=B({__name:"HomesPage",setup(S){const b=R(`
  query ResidentHousehold {
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
          household { name owner livesHere isYou phone }
        }
      }
    }
  }
`),{t:a}=q(),{data:p,error:w,loading:k,reload:H}=j(()=>V(b)),_=v(()=>p.value?.me.resident??null),y=v(()=>_.value?.units??[]);return(Y,D)=>{const n=T,d=$,x=N;return l(),u("main",F,[i(E,{loading:e(k),error:e(w),ready:e(p)!==null,empty:y.value.length===0,"empty-text":_.value?e(a)("resident.homes.none"):e(a)("resident.noRecord"),onRetry:e(H)},{default:s(()=>[(l(!0),u(g,null,f(y.value,t=>(l(),r(x,{key:t.id,inset:"",class:"home-card","data-unit":t.id},{default:s(()=>[i(n,{title:e(a)("resident.homes.unit",{building:t.building.name,number:t.number}),label:`${t.building.compound.community.name} · ${t.building.compound.name}`,"title-class":"home-title"},null,8,["title","label"]),i(n,{title:e(a)("resident.homes.area",{area:t.area}),value:[t.stairwell?e(a)("resident.homes.stairwell",{stairwell:t.stairwell}):"",t.floor!=null?e(a)("resident.homes.floor",{floor:t.floor}):""].filter(Boolean).join(" · ")},null,8,["title","value"]),i(n,{title:e(a)("resident.homes.people"),"title-class":"home-people-title"},null,8,["title"]),t.household.length===0?(l(),r(n,{key:0,title:e(a)("resident.homes.nobody")},null,8,["title"])):m("",!0),(l(!0),u(g,null,f(t.household,(o,C)=>(l(),r(n,{key:C,title:o.name,label:o.phone??"","data-home-member":"","data-owner":o.owner,"data-lives-here":o.livesHere},{value:s(()=>[o.isYou?(l(),r(d,{key:0,type:"primary",plain:"",class:"home-tag"},{default:s(()=>[c(h(e(a)("resident.homes.you")),1)]),_:1})):m("",!0),o.owner?(l(),r(d,{key:1,type:"success",plain:"",class:"home-tag"},{default:s(()=>[c(h(e(a)("resident.homes.owner")),1)]),_:1})):m("",!0),o.livesHere?(l(),r(d,{key:2,plain:"",class:"home-tag"},{default:s(()=>[c(h(e(a)("resident.homes.livesHere")),1)]),_:1})):m("",!0)]),_:2},1032,["title","label","data-owner","data-lives-here"]))),128))]),_:2},1032,["data-unit"]))),128))]),_:1},8,["loading","error","ready","empty","empty-text","onRetry"])])}}});export{P as default};
