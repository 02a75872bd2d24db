package io.finetune.testkit;
