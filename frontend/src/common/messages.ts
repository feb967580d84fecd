/** Messages of the shell: log-in, navigation, language and age-friendly switches, errors. */
export default {
  "zh-CN": {
    app: { title: "{street}居民服务", loading: "加载中…", retry: "重试", empty: "暂无内容", back: "返回" },
    login: {
      title: "登录",
      username: "用户名",
      password: "密码",
      submit: "登录",
      required: "请填写{field}",
      failed: "登录失败：{message}",
      throttled: "尝试次数过多，请 {seconds} 秒后再试",
      expiredTitle: "登录已过期",
      expiredBody: "请重新登录，当前页面会保留。",
    },
    nav: { settings: "显示与账号", home: "首页", me: "我的", logout: "退出登录", language: "English", elder: "长辈模式", elderOff: "标准模式" },
    home: { greeting: "您好，{name}", resident: "居民服务", worker: "工作台", noRole: "此账号在本街道没有可用的功能。" },
    errors: { forbidden: "没有权限：{message}", generic: "出错了：{message}", offline: "网络连接失败，请稍后重试" },
  },
  en: {
    app: { title: "{street} services", loading: "Loading…", retry: "Retry", empty: "Nothing here yet", back: "Back" },
    login: {
      title: "Log in",
      username: "Username",
      password: "Password",
      submit: "Log in",
      required: "Please enter the {field}",
      failed: "Log-in failed: {message}",
      throttled: "Too many attempts; try again in {seconds} s",
      expiredTitle: "Session expired",
      expiredBody: "Log in again; this page stays where it is.",
    },
    nav: { settings: "Display and account", home: "Home", me: "Me", logout: "Log out", language: "中文", elder: "Large text", elderOff: "Standard" },
    home: { greeting: "Hello, {name}", resident: "Resident services", worker: "Workbench", noRole: "This account has nothing to do in this street." },
    errors: { forbidden: "Not allowed: {message}", generic: "Something went wrong: {message}", offline: "Cannot reach the server; try again later" },
  },
} as const;
