"""WeChat official accounts (wechatpy) behind the gated pipeline."""
